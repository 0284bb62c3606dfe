// @ambient/original-dst: the original destination (SO_ORIGINAL_DST) of a transparently captured socket, and sockets
// that connect from the original source (IP_TRANSPARENT).
export { getOriginalDst, originalDstSupport } from './original-dst.js';
export type { OriginalDst } from './original-dst.js';
export { OriginalDstError } from './errors.js';
export type { OriginalDstErrorCode } from './errors.js';
export { openTransparentSocket, transparentSupport } from './transparent-socket.js';
