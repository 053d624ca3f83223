// Readers of bundled data (AEMO price/demand, MATPOWER gencost) and their error paths (algorithms.md §2.1–2.2, §15.17).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

#include "test_errors.hpp"
#include "io/aemo.hpp"
#include "io/csv.hpp"
#include "io/gencost.hpp"

using namespace dodge::io;
namespace fs = std::filesystem;

namespace {

std::string DataDir() {
  // The test target sets DODGE_TEST_DATA; the library's DODGE_DATA_DIR is the fallback for manual runs.
  const char *env = std::getenv("DODGE_TEST_DATA");
  return env && *env ? std::string(env) : std::string(DODGE_DATA_DIR);
}

std::string AemoFile(const std::string &region) {
  return DataDir() + "/aemo/PRICE_AND_DEMAND_202407_" + region + ".csv";
}

// The first PETSc error raised inside a call: its code and message (later "repeat" frames are ignored).
using dodge::test::Capture;
using dodge::test::Raised;

// A private directory for the malformed files of one test run.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "dodge_readers_XXXXXX").string();
    if (mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  std::string Write(const std::string &name, const std::string &text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

const char *kHeader = "REGION,SETTLEMENTDATE,TOTALDEMAND,RRP,PERIODTYPE\n";

// Rows labelled 2024/07/05 00:00 .. 00:30 (lines 2..8). With the tiny window below (interval starts
// 00:00 to 00:20, SETTLEMENTDATE = end) lines 3..7 are inside, lines 2 and 8 outside.
std::string Row(const std::string &hhmm, const std::string &demand = "1000.5", const std::string &rrp = "50.25",
                const std::string &region = "SA1") {
  return region + ",2024/07/05 " + hhmm + ":00," + demand + "," + rrp + ",TRADE\n";
}
const char *kTimes[] = {"00:00", "00:05", "00:10", "00:15", "00:20", "00:25", "00:30"};
std::string TinyFile(const std::function<std::string(int, const std::string &)> &row_for_line = nullptr) {
  std::string s = kHeader;
  for (int k = 0; k < 7; ++k) s += row_for_line ? row_for_line(k + 2, kTimes[k]) : Row(kTimes[k]);
  return s;
}
const std::string kTinyFirst = "2024/07/05 00:00", kTinyLast = "2024/07/05 00:20";

PetscErrorCode ReadTiny(const std::string &path, AemoSeries *s, bool label_is_start = false) {
  return AemoRead(PETSC_COMM_WORLD, path, kTinyFirst, kTinyLast, label_is_start, 0, s);
}

bool Has(const std::string &message, const std::string &part) { return message.find(part) != std::string::npos; }

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Helpers

TEST_CASE("strict numbers accept decimals and reject everything else", "[io]") {
  double v = 0;
  std::string why;
  CHECK(ParseFiniteDouble("125.44", &v, &why));
  CHECK(v == 125.44);
  CHECK(ParseFiniteDouble(" -145.00 ", &v, &why));
  CHECK(v == -145.0);
  CHECK(ParseFiniteDouble("+1e3", &v, &why));
  CHECK(v == 1000.0);
  for (const char *bad : {"", "  ", "abc", "12abc", "1,5", "0x10", "nan", "NaN", "inf", "-Infinity", "1e999", "--1", "+-1"}) {
    INFO("text '" << bad << "'");
    CHECK_FALSE(ParseFiniteDouble(bad, &v, &why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("timestamps parse by hand and round-trip", "[io]") {
  std::int64_t a = 0, b = 0;
  std::string why;
  REQUIRE(ParseTimestamp("2024/07/05 00:00", &a, &why));
  REQUIRE(ParseTimestamp("2024/07/05 00:05:00", &b, &why));
  CHECK(b - a == 5);
  CHECK(FormatTimestamp(a) == "2024/07/05 00:00:00");
  REQUIRE(ParseTimestamp("1970-01-01 00:00:00", &a, &why));
  CHECK(a == 0);
  // Leap day and a month boundary: 2024/02/29 23:55 + 5 min = 2024/03/01 00:00.
  REQUIRE(ParseTimestamp("2024/02/29 23:55:00", &a, &why));
  CHECK(FormatTimestamp(a + 5) == "2024/03/01 00:00:00");
  REQUIRE(ParseTimestamp("2024/07/15 00:00:00", &b, &why));
  REQUIRE(ParseTimestamp("2024/07/05 00:00:00", &a, &why));
  CHECK(b - a == 10 * 1440);
  for (const char *bad : {"2023/02/29 00:00", "2024/13/01 00:00", "2024/07/05 24:00", "2024/07/05 00:00:30",
                          "2024/7/5 00:00", "2024/07-05 00:00", "yesterday", ""}) {
    INFO("text '" << bad << "'");
    CHECK_FALSE(ParseTimestamp(bad, &a, &why));
  }
}

TEST_CASE("CSV lines split with quotes and blanks", "[io]") {
  std::vector<std::string> f;
  REQUIRE(CsvSplitLine("a, b ,\"c,d\",\"e\"\"f\",", &f));
  REQUIRE(f.size() == 5);
  CHECK(f[0] == "a");
  CHECK(f[1] == "b");
  CHECK(f[2] == "c,d");
  CHECK(f[3] == "e\"f");
  CHECK(f[4].empty());
  CHECK_FALSE(CsvSplitLine("a,\"b", &f));
  CHECK_FALSE(CsvSplitLine("a,\"b\"x", &f));
}

// ---------------------------------------------------------------------------------------------------------
// AEMO on the bundled real files

namespace {
struct RegionFacts {
  const char *region;
  double demand_min, demand_max;  // PROVENANCE.md table (MW, rounded to whole MW there)
  double price_min, price_max;    // PROVENANCE.md table (AUD/MWh, exact to the cent)
  // Three lines picked with grep: 1154 (step 0), 2743 (step 1589), 4033 (step 2879, the last).
  double demand[3], price[3];
};
const RegionFacts kFacts[] = {
    {"NSW1", 5633, 11324, -44.00, 299.99, {8387, 6568.98, 8433.82}, {125.44, 54, 76.72}},
    {"QLD1", 3612, 8303, -46.74, 318.63, {6057.98, 4686.55, 5844.9}, {132.26, 34.75, 78.28}},
    {"SA1", 588, 2205, -145.00, 1000.00, {1734.35, 972.87, 1579.74}, {118.80, -45.51, 115.15}},
    {"TAS1", 1078, 1771, -6.50, 716.29, {1382.76, 1259.77, 1142.92}, {152.20, 260.48, 104.48}},
    {"VIC1", 3671, 7795, -54.80, 708.46, {5614.59, 5408.38, 5275.9}, {129.92, 228.97, 100.37}},
};
const std::int64_t kLines[3] = {1154, 2743, 4033};
}  // namespace

TEST_CASE("AEMO loader reads the default window of every region", "[io]") {
  for (const RegionFacts &r : kFacts) {
    INFO("region " << r.region);
    AemoSeries s;
    REQUIRE(AemoRead(PETSC_COMM_WORLD, AemoFile(r.region), "2024/07/05 00:00", "2024/07/14 23:55", false, 0, &s) ==
            PETSC_SUCCESS);
    CHECK(s.region == r.region);
    REQUIRE(s.price.size() == 2880);
    REQUIRE(s.demand.size() == 2880);
    REQUIRE(s.settlement.size() == 2880);
    CHECK(s.window_steps == 2880);
    CHECK(s.settlement.front() == "2024/07/05 00:05:00");
    CHECK(s.settlement.back() == "2024/07/15 00:00:00");
    CHECK(s.first_line == 1154);

    // The grid: consecutive SETTLEMENTDATEs 5 minutes apart.
    std::int64_t prev = 0, cur = 0;
    std::string why;
    bool grid = true;
    for (std::size_t t = 0; t < s.settlement.size(); ++t) {
      REQUIRE(ParseTimestamp(s.settlement[t], &cur, &why));
      if (t > 0 && cur - prev != 5) grid = false;
      prev = cur;
    }
    CHECK(grid);

    for (int k = 0; k < 3; ++k) {
      const std::size_t t = static_cast<std::size_t>(kLines[k] - s.first_line);
      INFO("file line " << kLines[k]);
      CHECK(s.demand[t] == r.demand[k]);
      CHECK(s.price[t] == r.price[k]);
    }

    const auto [dmin, dmax] = std::minmax_element(s.demand.begin(), s.demand.end());
    const auto [pmin, pmax] = std::minmax_element(s.price.begin(), s.price.end());
    CHECK(std::round(*dmin) == r.demand_min);
    CHECK(std::round(*dmax) == r.demand_max);
    CHECK(*pmin == r.price_min);
    CHECK(*pmax == r.price_max);
    CHECK(s.window_demand_max == *dmax);
  }
}

TEST_CASE("AEMO negative prices are kept", "[io]") {
  for (const char *region : {"NSW1", "SA1"}) {
    AemoSeries s;
    REQUIRE(AemoRead(PETSC_COMM_WORLD, AemoFile(region), "2024/07/05 00:00", "2024/07/14 23:55", false, 0, &s) ==
            PETSC_SUCCESS);
    const double lowest = *std::min_element(s.price.begin(), s.price.end());
    CHECK(lowest == (std::string(region) == "NSW1" ? -44.00 : -145.00));
    CHECK(std::count_if(s.price.begin(), s.price.end(), [](double p) { return p < 0; }) > 0);
  }
}

TEST_CASE("AEMO settlement_label = start shifts the window by one interval", "[io]") {
  AemoSeries s;
  REQUIRE(AemoRead(PETSC_COMM_WORLD, AemoFile("NSW1"), "2024/07/05 00:00", "2024/07/14 23:55", true, 0, &s) ==
          PETSC_SUCCESS);
  REQUIRE(s.settlement.size() == 2880);
  CHECK(s.settlement.front() == "2024/07/05 00:00:00");
  CHECK(s.settlement.back() == "2024/07/14 23:55:00");
  CHECK(s.first_line == 1153);
  CHECK(s.demand.front() == 8432.68);  // line 1153
  CHECK(s.price.front() == 105.10);
}

TEST_CASE("AEMO max_steps truncates but the window facts stay whole", "[io]") {
  AemoSeries all, some;
  REQUIRE(AemoRead(PETSC_COMM_WORLD, AemoFile("QLD1"), "2024/07/05 00:00", "2024/07/14 23:55", false, 0, &all) ==
          PETSC_SUCCESS);
  REQUIRE(AemoRead(PETSC_COMM_WORLD, AemoFile("QLD1"), "2024/07/05 00:00", "2024/07/14 23:55", false, 288, &some) ==
          PETSC_SUCCESS);
  REQUIRE(some.price.size() == 288);
  CHECK(some.settlement.size() == 288);
  CHECK(some.window_steps == 2880);
  CHECK(some.window_demand_max == all.window_demand_max);
  CHECK(std::equal(some.price.begin(), some.price.end(), all.price.begin()));
  CHECK(std::equal(some.demand.begin(), some.demand.end(), all.demand.begin()));

  Raised r = Capture([&] {
    return AemoRead(PETSC_COMM_WORLD, AemoFile("QLD1"), "2024/07/05 00:00", "2024/07/14 23:55", false, 2881, &some);
  });
  CHECK(r.rc == PETSC_ERR_ARG_OUTOFRANGE);
  CHECK(Has(r.message, "2880"));
}

// ---------------------------------------------------------------------------------------------------------
// AEMO on tiny files, valid and malformed

TEST_CASE("AEMO tiny file: window, labelling, CRLF, and unchecked rows outside the window", "[io]") {
  TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  AemoSeries s;
  // Garbage outside the window (lines 2 and 8) is not validated; a negative price inside is fine.
  const std::string text = TinyFile([](int line, const std::string &hhmm) {
    if (line == 2) return Row(hhmm, "oops", "nan");
    if (line == 8) return Row(hhmm, "", "");
    if (line == 4) return Row(hhmm, "900", "-1000.5");
    return Row(hhmm);
  });
  REQUIRE(ReadTiny(dir.Write("ok.csv", text), &s) == PETSC_SUCCESS);
  REQUIRE(s.price.size() == 5);
  CHECK(s.first_line == 3);
  CHECK(s.region == "SA1");
  CHECK(s.settlement.front() == "2024/07/05 00:05:00");
  CHECK(s.settlement.back() == "2024/07/05 00:25:00");
  CHECK(s.price[1] == -1000.5);
  CHECK(s.demand[1] == 900.0);

  // CR LF line endings (as in some published CSVs) read the same.
  std::string crlf;
  for (char c : TinyFile()) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  AemoSeries c;
  REQUIRE(ReadTiny(dir.Write("crlf.csv", crlf), &c) == PETSC_SUCCESS);
  CHECK(c.price.size() == 5);
  CHECK(c.settlement.back() == "2024/07/05 00:25:00");

  // Interval-start labelling takes lines 2..6.
  AemoSeries st;
  REQUIRE(ReadTiny(dir.Write("start.csv", TinyFile()), &st, true) == PETSC_SUCCESS);
  CHECK(st.first_line == 2);
  CHECK(st.settlement.front() == "2024/07/05 00:00:00");
  CHECK(st.settlement.back() == "2024/07/05 00:20:00");
}

TEST_CASE("AEMO missing file fails with FILE_OPEN", "[io]") {
  TempDir dir;
  AemoSeries s;
  const std::string missing = dir.path() + "/no_such_file.csv";
  REQUIRE(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr) == PETSC_SUCCESS);
  PetscErrorCode rc = ReadTiny(missing, &s);
  REQUIRE(PetscPopErrorHandler() == PETSC_SUCCESS);
  CHECK(rc == PETSC_ERR_FILE_OPEN);

  Raised r = Capture([&] { return ReadTiny(missing, &s); });
  CHECK(r.code == PETSC_ERR_FILE_OPEN);
  CHECK(Has(r.message, missing));
}

TEST_CASE("AEMO malformed files fail with FILE_UNEXPECTED naming where", "[io]") {
  TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  AemoSeries s;
  auto expect = [&](const std::string &name, const std::string &text, std::initializer_list<std::string> parts,
                    const std::string &first = kTinyFirst, const std::string &last = kTinyLast) {
    const std::string path = dir.Write(name, text);
    Raised r = Capture([&] { return AemoRead(PETSC_COMM_WORLD, path, first, last, false, 0, &s); });
    INFO(name << ": " << r.message);
    CHECK(r.rc != PETSC_SUCCESS);
    CHECK(r.code == PETSC_ERR_FILE_UNEXPECTED);
    CHECK(Has(r.message, path));
    for (const auto &p : parts) CHECK(Has(r.message, p));
  };

  SECTION("wrong header") {
    std::string text = TinyFile();
    text.replace(0, std::string(kHeader).size(), "REGION,SETTLEMENT,TOTALDEMAND,PRICE,PERIODTYPE\n");
    expect("header.csv", text, {"SETTLEMENTDATE", "RRP"});
  }
  SECTION("empty file") { expect("empty.csv", "", {"empty"}); }
  SECTION("non-numeric price names the line and column") {
    expect("word.csv", TinyFile([](int line, const std::string &t) { return line == 4 ? Row(t, "1000", "abc") : Row(t); }),
           {":4:", "RRP", "abc", "not a number"});
  }
  SECTION("NaN demand names the line and column") {
    expect("nan.csv", TinyFile([](int line, const std::string &t) { return line == 5 ? Row(t, "NaN") : Row(t); }),
           {":5:", "TOTALDEMAND", "not finite"});
  }
  SECTION("infinite price names the line and column") {
    expect("inf.csv", TinyFile([](int line, const std::string &t) { return line == 6 ? Row(t, "1000", "inf") : Row(t); }),
           {":6:", "RRP", "not finite"});
  }
  SECTION("wrong field count") {
    expect("short.csv", TinyFile([](int line, const std::string &t) { return line == 3 ? std::string("SA1,2024/07/05 00:05:00,1\n") : Row(t); }),
           {":3:", "3 fields"});
  }
  SECTION("unreadable timestamp") {
    expect("stamp.csv", TinyFile([](int line, const std::string &t) { return line == 7 ? Row("0O:25") : Row(t); }),
           {":7:", "SETTLEMENTDATE"});
  }
  SECTION("a gap names the line and the missing timestamp") {
    // The 00:15 row removed: line 5 now holds 00:20, and 00:15 (SETTLEMENTDATE) is the missing one.
    expect("gap.csv", TinyFile([](int line, const std::string &t) { return line == 5 ? std::string() : Row(t); }),
           {":5:", "gap", "2024/07/05 00:15:00", "line 4"});
  }
  SECTION("a longer gap names its first and last missing timestamps") {
    expect("gap2.csv", TinyFile([](int line, const std::string &t) { return line == 4 || line == 5 ? std::string() : Row(t); }),
           {":4:", "2 intervals", "2024/07/05 00:10:00 to 2024/07/05 00:15:00", "line 3"});
  }
  SECTION("a duplicate names the line and the timestamp") {
    expect("dup.csv", TinyFile([](int line, const std::string &t) { return line == 5 ? Row("00:10") + Row(t) : Row(t); }),
           {":5:", "duplicate", "2024/07/05 00:10:00", "line 4"});
  }
  SECTION("rows out of order") {
    // Line 8 would be outside the window as 00:30; as 00:10 it is inside but behind line 7's 00:25.
    expect("order.csv", TinyFile([](int line, const std::string &t) { return line == 8 ? Row("00:10") : Row(t); }),
           {":8:", "comes after", "2024/07/05 00:25:00", "sort"});
  }
  SECTION("off-grid timestamp") {
    expect("offgrid.csv", TinyFile([](int line, const std::string &t) { return line == 5 ? Row("00:16") : Row(t); }),
           {":5:", "5-minute grid"});
  }
  SECTION("mixed regions name the line") {
    expect("mixed.csv", TinyFile([](int line, const std::string &t) { return line == 6 ? Row(t, "1", "1", "VIC1") : Row(t); }),
           {":6:", "REGION", "VIC1", "SA1"});
  }
  SECTION("window absent from the file") {
    expect("absent.csv", TinyFile(), {"absent", "2024/08/01 00:05:00", "2024/07/05 00:00:00", "2024/07/05 00:30:00"},
           "2024/08/01 00:00", "2024/08/01 00:20");
  }
  SECTION("window start missing") {
    expect("nofirst.csv", TinyFile([](int line, const std::string &t) { return line == 3 ? std::string() : Row(t); }),
           {"first interval", "2024/07/05 00:05:00"});
  }
  SECTION("window end missing") {
    expect("nolast.csv", TinyFile([](int line, const std::string &t) { return line >= 7 ? std::string() : Row(t); }),
           {"last interval", "2024/07/05 00:25:00", "line 6"});
  }
}

TEST_CASE("AEMO bad window arguments fail with ARG errors", "[io]") {
  AemoSeries s;
  const std::string f = AemoFile("TAS1");
  Raised r = Capture([&] { return AemoRead(PETSC_COMM_WORLD, f, "2024/07/14 23:55", "2024/07/05 00:00", false, 0, &s); });
  CHECK(r.code == PETSC_ERR_ARG_WRONG);
  r = Capture([&] { return AemoRead(PETSC_COMM_WORLD, f, "2024/07/05 00:00", "2024/07/05 00:07", false, 0, &s); });
  CHECK(r.code == PETSC_ERR_ARG_WRONG);
  r = Capture([&] { return AemoRead(PETSC_COMM_WORLD, f, "July 5", "2024/07/05 00:05", false, 0, &s); });
  CHECK(r.code == PETSC_ERR_ARG_WRONG);
  CHECK(Has(r.message, "July 5"));
  r = Capture([&] { return AemoRead(PETSC_COMM_WORLD, f, "2024/07/05 00:00", "2024/07/05 00:05", false, -1, &s); });
  CHECK(r.code == PETSC_ERR_ARG_OUTOFRANGE);
}

// ---------------------------------------------------------------------------------------------------------
// Gencost

TEST_CASE("gencost reads the bundled MATPOWER table", "[io]") {
  const std::string path = DataDir() + "/matpower/matpower_gencost_quadratic.csv";
  GenCostTable all;
  REQUIRE(GenCostRead(PETSC_COMM_WORLD, path, "", &all) == PETSC_SUCCESS);
  CHECK(all.c2.size() == 88);
  CHECK(all.c1.size() == 88);
  CHECK(all.c0.size() == 88);
  CHECK(all.pmax.size() == 88);
  CHECK(all.line.front() == 2);
  CHECK(all.line.back() == 89);

  GenCostTable ww;
  REQUIRE(GenCostRead(PETSC_COMM_WORLD, path, "case6ww", &ww) == PETSC_SUCCESS);
  REQUIRE(ww.c2.size() == 3);
  CHECK(ww.c2[0] == 0.00533);
  CHECK(ww.c2[1] == 0.00889);
  CHECK(ww.c2[2] == 0.00741);
  // Wood & Wollenberg's first unit: 213.1 + 11.669 P + 0.00533 P^2, Pmax 200 MW.
  CHECK(ww.c1[0] == 11.669);
  CHECK(ww.c0[0] == 213.1);
  CHECK(ww.pmax[0] == 200.0);
  CHECK(ww.file == path);

  Raised r = Capture([&] { return GenCostRead(PETSC_COMM_WORLD, path, "case999", &ww); });
  CHECK(r.rc != PETSC_SUCCESS);
  CHECK(r.code == PETSC_ERR_ARG_WRONG);
  CHECK(Has(r.message, "case999"));
  CHECK(Has(r.message, "case6ww"));
  CHECK(Has(r.message, "case118"));
}

TEST_CASE("gencost malformed tables fail naming file and line", "[io]") {
  TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  const std::string header = "case,gen_row,Pmax_MW,status,c2_per_MW2h,c1_per_MWh,c0_per_h\n";
  GenCostTable t;
  auto run = [&](const std::string &name, const std::string &text, const std::string &filter = "") {
    const std::string path = dir.Write(name, text);
    Raised r = Capture([&] { return GenCostRead(PETSC_COMM_WORLD, path, filter, &t); });
    CHECK(Has(r.message, path));
    return r;
  };

  // Out-of-service rows are skipped, and other cases' rows are not validated when filtering.
  const std::string ok = header + "a,1,100,1,0.01,10,5\n" + "a,2,100,0,0.02,20,5\n" + "b,1,bad,1,x,y,z\n";
  REQUIRE(GenCostRead(PETSC_COMM_WORLD, dir.Write("ok.csv", ok), "a", &t) == PETSC_SUCCESS);
  REQUIRE(t.c2.size() == 1);
  CHECK(t.c2[0] == 0.01);
  CHECK(t.line[0] == 2);

  Raised r = run("word.csv", header + "a,1,100,1,0.01,10,5\n" + "a,2,100,1,0.02,ten,5\n");
  CHECK(r.code == PETSC_ERR_FILE_UNEXPECTED);
  CHECK(Has(r.message, ":3:"));
  CHECK(Has(r.message, "c1_per_MWh"));

  r = run("nan.csv", header + "a,1,nan,1,0.01,10,5\n");
  CHECK(r.code == PETSC_ERR_FILE_UNEXPECTED);
  CHECK(Has(r.message, ":2:"));
  CHECK(Has(r.message, "Pmax_MW"));

  r = run("zero.csv", header + "a,1,100,1,0,10,5\n");
  CHECK(r.code == PETSC_ERR_FILE_UNEXPECTED);
  CHECK(Has(r.message, "c2_per_MW2h"));

  r = run("cols.csv", "case,status,c2_per_MW2h\na,1,0.1\n");
  CHECK(r.code == PETSC_ERR_FILE_UNEXPECTED);
  CHECK(Has(r.message, "c1_per_MWh"));
  CHECK(Has(r.message, "Pmax_MW"));

  r = run("off.csv", header + "a,1,100,0,0.01,10,5\n");
  CHECK(r.code == PETSC_ERR_FILE_UNEXPECTED);
  CHECK(Has(r.message, "status 1"));

  r = run("nocase.csv", "status,Pmax_MW,c2_per_MW2h,c1_per_MWh,c0_per_h\n1,100,0.01,10,5\n", "a");
  CHECK(r.code == PETSC_ERR_FILE_UNEXPECTED);
  CHECK(Has(r.message, "case"));

  Raised missing = Capture([&] { return GenCostRead(PETSC_COMM_WORLD, dir.path() + "/none.csv", "", &t); });
  CHECK(missing.code == PETSC_ERR_FILE_OPEN);
}
