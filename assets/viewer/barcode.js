// Reads onair's test-pattern barcode (capture/testpattern/barcode.go) from
// RGBA pixels: 80 cells across the bottom strip, 4 sync bits 1010, 32 bits
// frame number, 40 bits wall-clock ms (mod 2^40), 4 bits XOR of nibbles.
"use strict";
const Barcode = (() => {
  const CELLS = 80;
  function stripHeight(h) { return Math.max(16, Math.floor(h / 22)); }
  function nibbleXor(v, nibbles) {
    let c = 0;
    for (let i = 0; i < nibbles; i++) { c ^= v % 16; v = Math.floor(v / 16); }
    return c;
  }
  // rgba: Uint8ClampedArray of width*height*4.
  function decode(rgba, width, height) {
    const cell = Math.floor(width / CELLS);
    if (cell < 1) return null;
    const sh = Math.min(stripHeight(height), height);
    const mid = height - sh + Math.floor(sh / 2);
    const rx = Math.min(Math.floor(cell / 4), 2), ry = Math.min(Math.floor(sh / 4), 2);
    const bits = [];
    for (let i = 0; i < CELLS; i++) {
      const cx = i * cell + Math.floor(cell / 2);
      let sum = 0, n = 0;
      for (let y = Math.max(0, mid - ry); y <= Math.min(height - 1, mid + ry); y++) {
        for (let x = cx - rx; x <= cx + rx; x++) {
          const k = (y * width + x) * 4;
          sum += 0.299 * rgba[k] + 0.587 * rgba[k + 1] + 0.114 * rgba[k + 2];
          n++;
        }
      }
      bits.push(sum >= 128 * n ? 1 : 0);
    }
    let i = 0;
    const get = (n) => { let v = 0; for (; n > 0; n--) { v = v * 2 + bits[i++]; } return v; };
    if (get(4) !== 0b1010) return null;
    const frame = get(32), wallMs = get(40), check = get(4);
    if ((nibbleXor(frame, 8) ^ nibbleXor(wallMs, 10)) !== check) return null;
    return { frame, wallMs };
  }
  return { decode };
})();
