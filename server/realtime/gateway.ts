// The gateway's socket.io server and socket, typed with the contract's events (./events.ts): their own
// module, so that the gateway's parts (index, handlers, socket-people, manager-feed) share them without
// importing one another.
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events.ts';

export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
