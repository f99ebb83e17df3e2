#!/usr/bin/python3
"""Renders `tmux capture-pane -e -p` output (ANSI SGR colours) to a PNG with DejaVu Sans Mono.

usage: ansi2png.py INPUT.ansi OUTPUT.png [COLUMNS ROWS]
Needs Debian's python3-pil and fonts-dejavu-core.
"""
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

PALETTE = [
    (30, 30, 30), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]
DEFAULT_FG = (220, 220, 220)
DEFAULT_BG = (24, 24, 28)


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def cell_width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text, cols, rows):
    grid = [[(" ", DEFAULT_FG, DEFAULT_BG, False) for _ in range(cols)] for _ in range(rows)]
    for y, line in enumerate(text.split("\n")[:rows]):
        fg, bg, bold, dim, reverse = None, None, False, False, False
        x = 0
        for token in re.split(r"(\x1b\[[0-9;]*m)", line):
            if token.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in token[2:-1].split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        fg, bg, bold, dim, reverse = None, None, False, False, False
                    elif c == 1:
                        bold = True
                    elif c == 2:
                        dim = True
                    elif c == 7:
                        reverse = True
                    elif c == 22:
                        bold = dim = False
                    elif c == 27:
                        reverse = False
                    elif 30 <= c <= 37:
                        fg = PALETTE[c - 30]
                    elif 90 <= c <= 97:
                        fg = PALETTE[c - 90 + 8]
                    elif c == 39:
                        fg = None
                    elif 40 <= c <= 47:
                        bg = PALETTE[c - 40]
                    elif 100 <= c <= 107:
                        bg = PALETTE[c - 100 + 8]
                    elif c == 49:
                        bg = None
                    elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                        if c == 38:
                            fg = xterm256(codes[i + 2])
                        else:
                            bg = xterm256(codes[i + 2])
                        i += 2
                    i += 1
                continue
            for ch in token:
                w = cell_width(ch)
                if w == 0 or x >= cols:
                    continue
                f = fg or DEFAULT_FG
                b = bg or DEFAULT_BG
                if reverse:
                    f, b = b, f
                if dim:
                    f = tuple(int(v * 0.6) for v in f)
                grid[y][x] = (ch, f, b, bold)
                if w == 2 and x + 1 < cols:
                    grid[y][x + 1] = ("", f, b, bold)
                x += w
    return grid


def main():
    src, dst = sys.argv[1], sys.argv[2]
    cols = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    text = open(src, encoding="utf-8").read()
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 16)
    bold_font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 16)
    # The mono face has no braille (the console's spinner); DejaVu Sans does.
    braille_font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 16)
    cw, ch = 10, 19
    image = Image.new("RGB", (cols * cw + 16, rows * ch + 16), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(parse(text, cols, rows)):
        for x, (char, fg, bg, bold) in enumerate(row):
            px, py = 8 + x * cw, 8 + y * ch
            draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=bg)
            if char and char != " ":
                face = braille_font if "\u2800" <= char <= "\u28ff" else (bold_font if bold else font)
                draw.text((px, py), char, font=face, fill=fg)
    image.save(dst)


if __name__ == "__main__":
    main()
