// Where the bench's proxy pair listens: its own loopback addresses and ports, apart from the tests'.
export const PAIR = { sleep: '127.0.12.1', echo: '127.0.22.1', hbone: 35008, socks: 35080, plaintext: 35006 } as const;
