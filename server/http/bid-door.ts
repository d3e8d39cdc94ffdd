// The overload door for bids over HTTP, in front of everything else: while the process cannot keep up
// (server/bidding/admission.ts), a refused bid is answered 503 straight from Node's request listener,
// before a request id, a log line, a Web Request object, the body, a token or any query. At the limit
// of the CPU every microsecond a refusal costs is taken from the bids being answered, so this door
// does the least it can. An admitted bid is counted in progress until its response ends.
import type http from 'node:http';
import type { BidAdmission } from '../bidding/admission.ts';
import { refuse } from '../shared/errors.ts';
import { BID_PATH } from './app.ts';
import { errorBody } from './error-body.ts';

const REFUSAL = JSON.stringify(errorBody(refuse('overloaded')));
const REFUSAL_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(Buffer.byteLength(REFUSAL)),
  'retry-after': '1',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** Returns true when it answered the request itself (a bid refused as overload). */
export function bidDoor(admission: BidAdmission): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!BID_PATH.test(path)) return false;
    const done = admission.admit(Number(path.split('/')[3]));
    if (done) {
      res.once('close', done);
      return false;
    }
    res.writeHead(503, REFUSAL_HEADERS);
    res.end(REFUSAL);
    return true;
  };
}
