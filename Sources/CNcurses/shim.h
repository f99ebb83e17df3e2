#ifndef SPENDSENSE_CNCURSES_SHIM_H
#define SPENDSENSE_CNCURSES_SHIM_H

#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Macros and globals Swift cannot import, wrapped as functions. */
static inline void ss_initscr(void) { initscr(); }
static inline int ss_lines(void) { return LINES; }
static inline int ss_cols(void) { return COLS; }
static inline void ss_keypad_stdscr(bool on) { keypad(stdscr, on); }
static inline void ss_curs_set(int visibility) { curs_set(visibility); }
static inline void ss_timeout(int ms) { wtimeout(stdscr, ms); }
static inline int ss_get_wch(unsigned int *out) {
    wint_t ch = 0;
    int result = wget_wch(stdscr, &ch);
    *out = (unsigned int)ch;
    return result;
}
static inline int ss_err(void) { return ERR; }
static inline int ss_key_code_yes(void) { return KEY_CODE_YES; }
static inline void ss_clear(void) { wclear(stdscr); }
static inline void ss_refresh(void) { wrefresh(stdscr); }
static inline void ss_set_attributes(int attributes) { wattrset(stdscr, attributes); }
static inline void ss_addstr_at(int y, int x, const char *text) { mvwaddstr(stdscr, y, x, text); }
static inline void ss_insstr_at(int y, int x, const char *text) { mvwinsstr(stdscr, y, x, text); }
static inline int ss_a_bold(void) { return (int)A_BOLD; }
static inline int ss_a_underline(void) { return (int)A_UNDERLINE; }
static inline int ss_a_reverse(void) { return (int)A_REVERSE; }
static inline int ss_a_dim(void) { return (int)A_DIM; }
static inline int ss_color_pair(int pair) { return (int)COLOR_PAIR(pair); }

#endif
