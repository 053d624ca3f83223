// dodge's PETSc error handler and the end of a failed job: one message, every rank out, never a hang.
#include "comm/errors.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace dodge::comm {

namespace {
bool g_local = false, g_printed = false;
std::string g_message;                      // the latest error as first raised, formatted (without "dodge: error: ")
MPI_Comm g_agree = MPI_COMM_NULL;           // private: the error agreement never meets another collective
ErrorCleanup g_cleanup = nullptr;
volatile sig_atomic_t g_watchdog_code = 1;  // the exit status the watchdog leaves with

// Codes of bad input or environment, whose message says everything (README's exit-code table): for them
// one line. Others (PETSC_ERR_LIB, _PLIB, _MEM, ... : a bug or the machine) also name where they were raised.
bool InputCode(PetscErrorCode n) {
  switch (n) {
    case PETSC_ERR_ARG_WRONG: case PETSC_ERR_ARG_OUTOFRANGE: case PETSC_ERR_ARG_INCOMP: case PETSC_ERR_FILE_UNEXPECTED:
    case PETSC_ERR_ARG_UNKNOWN_TYPE: case PETSC_ERR_FILE_OPEN: case PETSC_ERR_FILE_READ: case PETSC_ERR_FILE_WRITE:
    case PETSC_ERR_USER_INPUT: case PETSC_ERR_ARG_NULL: case PETSC_ERR_ARG_SIZ: case PETSC_ERR_ARG_BADPTR:
    case PETSC_ERR_NOT_CONVERGED: case PETSC_ERR_FP:
      return true;
    default:
      return n == PETSC_ERR_USER;  // 83: a name outside a list option's choices (OptionsChoice)
  }
}

void Print(const char *who, const std::string &text) {
  std::fprintf(stderr, "dodge: error%s: %s\n", who, text.c_str());
  std::fflush(stderr);
  g_printed = true;
}

PetscErrorCode Handler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                       PetscErrorType p, const char *mess, void *ctx) {
  int size = 1, rank = 0, world = 1;
  if (p == PETSC_ERROR_INITIAL) {
    MPI_Comm_size(comm, &size);
    g_local = size == 1;
  }
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &world);
  // DODGE_ERROR_TRACEBACK=1: PETSc's own report (banner, configure line, call stack) for a bug report.
  if (const char *tb = std::getenv("DODGE_ERROR_TRACEBACK"); tb && *tb && std::strcmp(tb, "0") != 0) {
    if (rank == 0 || g_local) return PetscTraceBackErrorHandler(PETSC_COMM_SELF, line, fun, file, n, p, mess, ctx);
    return n;
  }
  // Only the error as first raised (not each frame it travels up through) is kept; it is printed at once only
  // on rank 0 for an error raised on several ranks (each raised the same one), on the raising rank for a local
  // one; ExitAfterError prints it on a rank whose error the others did not share.
  if (p != PETSC_ERROR_INITIAL) return n;
  const char *text = nullptr;
  PetscErrorMessage(n, &text, nullptr);
  const bool has_message = mess && *mess && std::strcmp(mess, " ") != 0;
  g_message = has_message ? mess : (text ? text : "unknown error");
  if (!InputCode(n)) {
    char where[512];
    std::snprintf(where, sizeof where, " [%s, PETSc error %d, in %s() at %s:%d; DODGE_ERROR_TRACEBACK=1 prints the whole trace]",
                  text ? text : "", static_cast<int>(n), fun ? fun : "?", file ? file : "?", line);
    g_message += where;
  }
  g_printed = false;
  if (!(rank == 0 || g_local)) return n;
  char who[32] = "";
  if (g_local && world > 1) std::snprintf(who, sizeof who, " (rank %d alone)", rank);
  Print(who, g_message);
  return n;
}

// SIGALRM after kErrorWatchdogSeconds in the error path: leave at once (async-signal-safe calls only).
void Watchdog(int) {
  static const char msg[] = "dodge: error: the error path did not finish in time; this rank exits now\n";
  ssize_t w = ::write(2, msg, sizeof msg - 1);
  (void)w;
  ::_exit(g_watchdog_code);
}

// MPI_Abort after a pause: mpirun forwards the ranks' stderr asynchronously and drops what it has not forwarded
// when it kills the job, which lost the one message. Only `rank` 0 aborts when `all` ranks call this together (several
// concurrent aborts garble mpirun's own report); the others wait to be killed.
[[noreturn]] void AbortJob(int code, bool all, int rank) {
  std::fflush(stderr);
  usleep(500000 + (all ? 0 : 300000 * static_cast<useconds_t>(rank % 16)));  // staggered: one abort, the first
  if (!all || rank == 0) MPI_Abort(MPI_COMM_WORLD, code);
  for (;;) pause();  // the watchdog or mpirun's kill ends this rank
}

// Whether every rank of g_agree reached this point within kErrorAgreeSeconds.
bool AllRanksFailed() {
  MPI_Request req;
  if (MPI_Ibarrier(g_agree, &req) != MPI_SUCCESS) return false;
  struct timespec t0, now, nap = {0, 2000000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    int done = 0;
    if (MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return false;
    if (done) return true;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (static_cast<double>(now.tv_sec - t0.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec - t0.tv_nsec) >
        kErrorAgreeSeconds)
      return false;
    nanosleep(&nap, nullptr);
  }
}
}  // namespace

PetscErrorCode ErrorHandlerPush() {
  int up = 0;
  MPI_Initialized(&up);
  if (up && g_agree == MPI_COMM_NULL && MPI_Comm_dup(MPI_COMM_WORLD, &g_agree) != MPI_SUCCESS) g_agree = MPI_COMM_NULL;
  return PetscPushErrorHandler(Handler, nullptr);
}

bool ErrorIsLocal() { return g_local; }

const std::string &FirstErrorMessage() { return g_message; }

void SetErrorCleanup(ErrorCleanup cleanup) { g_cleanup = cleanup; }

int ExitAfterError(PetscErrorCode ierr) {
  int world = 1, rank = 0, code = static_cast<int>(ierr);
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  g_watchdog_code = code;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = Watchdog;
  sigaction(SIGALRM, &sa, nullptr);
  alarm(kErrorWatchdogSeconds);
  if (world > 1 && (g_agree == MPI_COMM_NULL || !AllRanksFailed())) {
    // The other ranks are elsewhere (most likely blocked in a collective call this rank left): end them all.
    if (!g_printed) {
      char who[64];
      std::snprintf(who, sizeof who, " (rank %d; the other ranks did not stop with it)", rank);
      Print(who, g_message.empty() ? std::string("unknown error") : g_message);
    }
    AbortJob(code, false, rank);
  }
  std::string message = g_message;
  if (world > 1) {
    // Every rank is here: all leave with rank 0's code and clean up with its message.
    int len = static_cast<int>(message.size());
    MPI_Bcast(&code, 1, MPI_INT, 0, g_agree);
    MPI_Bcast(&len, 1, MPI_INT, 0, g_agree);
    message.resize(static_cast<std::size_t>(len));
    if (len > 0) MPI_Bcast(message.data(), len, MPI_CHAR, 0, g_agree);
    g_watchdog_code = code;
  }
  if (g_cleanup && !g_cleanup(message)) AbortJob(code, true, rank);  // files left open: no MPI_Finalize
  if (g_agree != MPI_COMM_NULL) MPI_Comm_free(&g_agree);
  PetscFinalize();
  return code;  // the watchdog stays armed through MPI_Finalize
}

int WorldRank() {
  int r = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &r);
  return r;
}

int WorldSize() {
  int s = 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &s);
  return s;
}

}  // namespace dodge::comm
