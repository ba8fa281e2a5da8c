#ifndef PROCTOR_CNCURSES_SHIM_H
#define PROCTOR_CNCURSES_SHIM_H

/* The only C the terminal layer needs: accessors for ncurses macros and globals that
   Swift cannot import (or cannot touch under strict concurrency), and an
   async-signal-safe terminal restore for fatal signals. */

#define NCURSES_WIDECHAR 1
#include <ncurses.h>
#include <locale.h>
#include <langinfo.h>
#include <string.h>
#include <signal.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>

static inline WINDOW *proctor_stdscr(void) { return stdscr; }
static inline int proctor_lines(void) { return LINES; }
static inline int proctor_cols(void) { return COLS; }
static inline int proctor_colors(void) { return COLORS; }
static inline int proctor_attrset(attr_t a) { return attrset(a); }

static inline attr_t proctor_a_normal(void) { return A_NORMAL; }
static inline attr_t proctor_a_bold(void) { return A_BOLD; }
static inline attr_t proctor_a_reverse(void) { return A_REVERSE; }
static inline attr_t proctor_a_dim(void) { return A_DIM; }
static inline attr_t proctor_a_underline(void) { return A_UNDERLINE; }
static inline attr_t proctor_color_pair(short n) { return COLOR_PAIR(n); }

/* Sets the locale from the environment and falls back to C.UTF-8 when the codeset is not
   UTF-8, so box lines and blocks draw correctly. Returns 1 when UTF-8 is in effect. */
static inline int proctor_setup_locale(void) {
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    if (cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0)) return 1;
    if (setlocale(LC_ALL, "C.UTF-8") != NULL) return 1;
    return 0;
}

/* Reads the terminal size from the kernel (SIGWINCH reaches us through Dispatch, so
   ncurses never learns it by itself). */
static inline int proctor_window_size(int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return 0;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 1;
}

/* Fatal-signal restore: leave the alternate screen, show the cursor, reset attributes and
   put the saved terminal modes back, using only async-signal-safe calls, then re-raise. */
static inline struct termios *proctor_saved_termios(void) {
    static struct termios saved;
    return &saved;
}
static inline int *proctor_have_termios(void) {
    static int have = 0;
    return &have;
}

static inline void proctor_fatal_restore(int sig) {
    static const char seq[] = "\033[0m\033[?25h\033[?1049l\r\n";
    (void)!write(STDOUT_FILENO, seq, sizeof seq - 1);
    if (*proctor_have_termios()) tcsetattr(STDIN_FILENO, TCSANOW, proctor_saved_termios());
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The way out when the terminal takes no more output (a stalled connection, a reader that
   stopped): the restoring sequence is offered without blocking (dropped if there is no
   room), and the shell's terminal modes `saved` are put back, which needs no output. */
static inline void proctor_restore_without_blocking(const struct termios *saved) {
    static const char seq[] = "\033[0m\033[?25h\033[?1049l\r\n";
    int flags = fcntl(STDOUT_FILENO, F_GETFL);
    if (flags >= 0) fcntl(STDOUT_FILENO, F_SETFL, flags | O_NONBLOCK);
    (void)!write(STDOUT_FILENO, seq, sizeof seq - 1);
    /* The open file is the shell's too: it must not find it non-blocking. */
    if (flags >= 0) fcntl(STDOUT_FILENO, F_SETFL, flags);
    if (saved) tcsetattr(STDIN_FILENO, TCSANOW, saved);
}

/* Ctrl-S and Ctrl-Q are keys, not flow control: with IXON on, Ctrl-S stops all output
   and the screen freezes until Ctrl-Q. Cleared for the program's own terminal modes; the
   shell's come back on exit. */
static inline void proctor_no_flow_control(void) {
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) != 0) return;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

/* Whether $TERM names a terminal that can draw the screen: known to terminfo, with cursor
   addressing. Checked before anything is created. Returns 0 when usable, 1 when TERM is
   unknown, 2 when it cannot address the cursor (TERM=dumb). */
static inline int proctor_terminal_problem(void) {
    int err = 0;
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) return 1;
    char *cup = tigetstr("cup");
    int usable = cup != NULL && cup != (char *)-1;
    del_curterm(cur_term);
    return usable ? 0 : 2;
}

static inline void proctor_install_fatal_restore(void) {
    if (tcgetattr(STDIN_FILENO, proctor_saved_termios()) == 0) *proctor_have_termios() = 1;
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], proctor_fatal_restore);
}

#endif
