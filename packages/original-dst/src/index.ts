// @ambient/original-dst: the original destination (SO_ORIGINAL_DST) of a transparently captured socket, sockets
// that connect from the original source (IP_TRANSPARENT), and TCP keepalive and TCP_USER_TIMEOUT set in full.
export { getOriginalDst, originalDstSupport } from './original-dst.js';
export type { OriginalDst } from './original-dst.js';
export { OriginalDstError } from './errors.js';
export type { OriginalDstErrorCode } from './errors.js';
export { openTransparentSocket, transparentSupport } from './transparent-socket.js';
export { readTcpKeepalive, setTcpKeepalive, tcpKeepaliveSupport } from './tcp-keepalive.js';
export type { TcpKeepalive, TcpKeepaliveOptions } from './tcp-keepalive.js';
