#!/usr/bin/env bash
# Writes malformed copies of the real AEMO NSW file (one defect each) and bad graph files into $1.
set -eu
out=$1 data=$2
mkdir -p "$out"
src="$data/aemo/PRICE_AND_DEMAND_202407_NSW1.csv"
# A non-numeric demand inside the window (2024/07/06 12:00).
sed 's|^\(NSW1,2024/07/06 12:00:00,\)[^,]*,|\1abc,|' "$src" > "$out/nonnumeric.csv"
# A NaN price inside the window.
sed 's|^\(NSW1,2024/07/07 08:30:00,[^,]*,\)[^,]*,|\1nan,|' "$src" > "$out/nan.csv"
# An infinite demand.
sed 's|^\(NSW1,2024/07/08 09:00:00,\)[^,]*,|\1inf,|' "$src" > "$out/inf.csv"
# A gap: one interval removed.
grep -v '^NSW1,2024/07/09 10:05:00,' "$src" > "$out/gap.csv"
# A duplicate: one interval written twice.
awk '{print} /^NSW1,2024\/07\/10 10:05:00,/{print}' "$src" > "$out/duplicate.csv"
# A truncated row (missing columns).
sed 's|^NSW1,2024/07/11 11:00:00,.*$|NSW1,2024/07/11 11:00:00|' "$src" > "$out/short_row.csv"
# Two components: 0-1-2 and 3-4-5.
printf '# two triangles, not connected\n0 1\n1 2\n2 0\n3 4\n4 5\n5 3\n' > "$out/disconnected.txt"
printf '0 1\n1 2\n2 3\n3 4\n4 5\n5 0\n' > "$out/ring6.txt"
printf '0 1\n1 two\n' > "$out/malformed_edges.txt"
# Weights on ring6 whose row 0 sums to 1.1.
printf '0 0 0.5\n0 1 0.3\n0 5 0.3\n1 1 0.4\n1 0 0.3\n1 2 0.3\n2 2 0.4\n2 1 0.3\n2 3 0.3\n3 3 0.4\n3 2 0.3\n3 4 0.3\n4 4 0.4\n4 3 0.3\n4 5 0.3\n5 5 0.4\n5 4 0.3\n5 0 0.3\n' > "$out/nonstochastic_weights.txt"
# Weights on ring6 with rows summing to 1 but negative off-diagonal entries (line 2: w_01 = -0.1).
printf '0 0 1.2\n0 1 -0.1\n0 5 -0.1\n1 1 1.2\n1 0 -0.1\n1 2 -0.1\n2 2 1.2\n2 1 -0.1\n2 3 -0.1\n3 3 1.2\n3 2 -0.1\n3 4 -0.1\n4 4 1.2\n4 3 -0.1\n4 5 -0.1\n5 5 1.2\n5 4 -0.1\n5 0 -0.1\n' > "$out/negative_weights.txt"
# The identity on ring6: doubly stochastic, but no agent ever hears a neighbour.
printf '0 0 1\n1 1 1\n2 2 1\n3 3 1\n4 4 1\n5 5 1\n' > "$out/identity_weights.txt"
# Doubly stochastic on ring6 with zero weight on edges 2-3 and 5-0: {0,1,2} and {3,4,5} never mix.
printf '0 0 0.5\n0 1 0.5\n0 5 0\n1 0 0.5\n1 1 0\n1 2 0.5\n2 1 0.5\n2 2 0.5\n2 3 0\n3 3 0.5\n3 4 0.5\n3 2 0\n4 3 0.5\n4 4 0\n4 5 0.5\n5 4 0.5\n5 5 0.5\n5 0 0\n' > "$out/split_weights.txt"
# Files that are not what they seem (issue 15): a FIFO nobody writes to, a directory named like a data file.
rm -f "$out/no_writer.fifo"; mkfifo "$out/no_writer.fifo"
mkdir -p "$out/a_directory.csv"
# Options files PETSc's YAML reader gets wrong: a key twice (PETSc keeps the last silently), also nested;
# two documents (PETSc reads the first); a tab in the indentation; a top-level list; binary content; and a
# plain (non-YAML) options file with binary content.
printf 'agents: 7\nsteps: 3\nagents: 8\n' > "$out/dup_key.yaml"
printf 'agents: 7\nsteps: [1, 2\nseed: 3\n' > "$out/unclosed.yaml"   # a YAML syntax error: PETSc names no file or line
printf 'pdct:\n  scheme: S1\n  pa: 0.5\n  scheme: S3\n' > "$out/dup_nested.yaml"
printf 'agents: 7\n---\nsteps: 3\n' > "$out/two_docs.yaml"
printf 'pdct:\n\tscheme: S1\n' > "$out/tab_indent.yaml"
printf -- '- agents: 7\n- steps: 3\n' > "$out/top_list.yaml"
printf 'agents: 7\nsteps: \0013\n' > "$out/binary.yaml"
printf -- '-agents 7\n-steps \0003\n' > "$out/binary_options.txt"
