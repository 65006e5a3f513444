/**
 * Bytes as the model and the harness hold them: "binary strings", one char
 * per byte (0-255), cheap to slice and compare. The wire carries them as
 * lower-case hex; traces show printable ones as text.
 */

export function hexToBytes(hex: string): string {
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

export function bytesToHex(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes.charCodeAt(i).toString(16).padStart(2, '0');
  return out;
}

/** A 4-byte big-endian unsigned integer: the encoding of every number a handshake sends. */
export function u32(value: number): string {
  return String.fromCharCode((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

export function readU32(bytes: string, offset = 0): number {
  return (
    ((bytes.charCodeAt(offset) << 24) >>> 0) +
    (bytes.charCodeAt(offset + 1) << 16) +
    (bytes.charCodeAt(offset + 2) << 8) +
    bytes.charCodeAt(offset + 3)
  );
}

/** Printable ASCII shows as a quoted string, anything else as 0x-hex. */
export function showBytes(bytes: string, limit = 24): string {
  const cut = bytes.length > limit ? bytes.slice(0, limit) : bytes;
  const more = bytes.length > limit ? `…+${bytes.length - limit}` : '';
  if (/^[\x20-\x7e]*$/.test(cut)) return JSON.stringify(cut) + more;
  return '0x' + bytesToHex(cut) + more;
}
