import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './apiError.ts';

/**
 * Errors Fastify answers before a route runs (a path parameter longer than
 * the router allows, a URL that does not decode) get the API's error body too.
 */
export function frameworkErrors(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.status(414).send(errorBody('uri-too-long', 'a path parameter is longer than any valid value'));
    return;
  }
  reply.status(400).send(errorBody('invalid-request', error.message));
}

/**
 * Errors of the HTTP parser itself, before there is a request: oversized
 * headers (431), a client too slow to send its request (408), bytes that are
 * not HTTP (400). Node and Fastify would answer without our error body.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body = errorBody('invalid-request', 'the request is not valid HTTP');
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    body = errorBody('headers-too-large', 'the request line and headers exceed the size limit');
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = errorBody('request-timeout', 'the request did not arrive in time');
  }
  const json = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(err);
}
