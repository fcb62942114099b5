// A reverse proxy that injects faults, for testing how the bootstraps retry and recover. It sits between
// the bootstraps and one upstream (normally the SigV4-verifying proxy in front of DynamoDB Local and
// fauxqs) and listens on 127.0.0.1 only.
//
//   node fault-proxy.mjs --upstream http://127.0.0.1:P [--port N] [--rate R] [--seed N]
//        [--kinds 500,503,throttle,reset,timeout,slow,partial] [--hold-ms MS] [--slow-ms MIN-MAX]
//        [--stats FILE] [--secrets-out FILE]
//
//   --upstream URL   where requests go; http on loopback only (127.0.0.1, localhost, [::1]), no path
//   --port N         port to listen on (default 0: any free port)
//   --rate R         probability, 0..1, that a request gets a fault (default 0.2)
//   --seed N         PRNG seed, 0..4294967295 (default 1)
//   --kinds LIST     the faults to choose from, uniformly (default all seven)
//   --hold-ms MS     how long "timeout" holds a connection before closing it (default 8000)
//   --slow-ms A-B    the range of delays "slow" adds, in ms (default 200-1500)
//   --stats FILE     write the counts there as JSON: at start, every second when they changed, at exit
//   --secrets-out FILE  append each request's Signature and X-Amz-Security-Token there, one per line, so
//                    that tests can check no log holds them (also those of requests never forwarded)
//
// Without a fault a request is forwarded byte for byte: same method, path and query, every header as
// received (Host and Authorization too: the upstream re-verifies the signature, which covers Host), same
// body; only hop-by-hop headers are dropped and Content-Length is set. The answer comes back unchanged.
// An upstream that cannot be reached gives 502. Node built-ins only (Node 20 or later).
// The faults, for AWS JSON-protocol calls (the namespace of __type follows X-Amz-Target: DynamoDB* or
// AmazonSQS.*):
//   500       not forwarded; 500 InternalServerError (SQS: InternalError)
//   503       not forwarded; 503 ServiceUnavailable
//   throttle  not forwarded; 400 ThrottlingException (DynamoDB: that or
//             ProvisionedThroughputExceededException, by the PRNG)
//   reset     the client's connection is reset, by the PRNG either "before" forwarding (not applied) or
//             "after" the upstream has answered (applied, but the answer is lost)
//   timeout   not forwarded; no answer, the connection is closed after --hold-ms
//   slow      forwarded; the answer is held back for a time drawn from --slow-ms
//   partial   AmazonSQS.SendMessageBatch only (any other target gets "500" instead, counted as 500):
//             forwarded unchanged (the body is signed), then a random non-empty subset of the Successful
//             entries of a 200 answer is moved to Failed (Code InternalError, SenderFault false). Those
//             messages were in fact enqueued, so the client's resend of them also exercises duplicate
//             delivery. An answer that is not a 200 with a non-empty Successful is passed on unchanged
//             (logged as a "no-op" partial).
//
// Determinism: the Nth request (in the order whole bodies arrive; a body over 16 MiB gets 413 and no
// decision) takes exactly three numbers from a mulberry32 stream seeded with --seed: whether, which kind,
// and a seed for that request's own choices (reset before/after, throttle type, delay, which entries fail).
// So with requests sent one at a time the faults depend only on the seed and the order, and --kinds
// changes what a faulted request gets, not which requests are faulted.
//
// Prints "fault-proxy listening on 127.0.0.1:PORT (...)" when ready, then one JSON line per injected fault
// {"time","target","fault","detail"} and per proxy error {"time","target","status","error"}. It never logs
// bodies or header values other than X-Amz-Target (Authorization and X-Amz-Security-Token are secrets).
// Stats: {"requests","forwarded","faults","byKind":{...}}; "forwarded" counts requests sent upstream, with
// or without a fault. SIGTERM or SIGINT closes every connection (held ones too), writes the stats, exits 0.
import crypto from "node:crypto";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import http from "node:http";

const HOST = "127.0.0.1";
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
	"upgrade", "expect"]);
const KINDS = ["500", "503", "throttle", "reset", "timeout", "slow", "partial"];
const DYNAMODB_NS = "com.amazonaws.dynamodb.v20120810";
const SQS_NS = "com.amazonaws.sqs";
const FAULT_MESSAGE = "injected fault";

const OPTIONS = ["--upstream", "--port", "--rate", "--seed", "--kinds", "--hold-ms", "--slow-ms", "--stats",
	"--secrets-out"];

function parseArgs(argv) {
	const opts = { upstream: null, port: 0, rate: 0.2, seed: 1, kinds: KINDS, holdMs: 8000, slowMin: 200,
		slowMax: 1500, stats: null, secretsOut: null };
	const uint = (name, v, max) => {
		if (!/^\d+$/.test(v) || Number(v) > max) throw new Error(`bad ${name} ${v}`);
		return Number(v);
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i], v = argv[i + 1];
		if (!OPTIONS.includes(a)) throw new Error(`unknown argument ${a}`);
		if (v === undefined) throw new Error(`${a} needs a value`);
		if (a === "--upstream") opts.upstream = v, i++;
		else if (a === "--port") opts.port = uint("--port", v, 65535), i++;
		else if (a === "--seed") opts.seed = uint("--seed", v, 0xffffffff), i++;
		else if (a === "--hold-ms") opts.holdMs = uint("--hold-ms", v, 2 ** 31 - 1), i++;
		else if (a === "--stats") opts.stats = v, i++;
		else if (a === "--secrets-out") opts.secretsOut = v, i++;
		else if (a === "--rate") {
			opts.rate = /^\d*\.?\d+$|^\d+\.$/.test(v) ? Number(v) : NaN;
			if (!(opts.rate >= 0 && opts.rate <= 1)) throw new Error(`bad --rate ${v} (want 0..1)`);
			i++;
		} else if (a === "--slow-ms") {
			const m = /^(\d+)-(\d+)$/.exec(v);
			if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 2 ** 31 - 1)
				throw new Error(`bad --slow-ms ${v} (want MIN-MAX, MIN <= MAX)`);
			opts.slowMin = Number(m[1]), opts.slowMax = Number(m[2]), i++;
		} else if (a === "--kinds") {
			const asked = v.split(",").map((k) => k.trim());
			const unknown = asked.filter((k) => !KINDS.includes(k));
			if (unknown.length || !v.trim()) throw new Error(`bad --kinds ${v} (choose from ${KINDS.join(",")})`);
			opts.kinds = KINDS.filter((k) => asked.includes(k)); // one canonical order, whatever order was given
			i++;
		}
	}
	if (!opts.upstream) throw new Error("give --upstream http://127.0.0.1:PORT");
	let url;
	try {
		url = new URL(opts.upstream);
	} catch {
		throw new Error(`bad --upstream ${opts.upstream}`);
	}
	if (url.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
		throw new Error(`upstream must be http on loopback: ${opts.upstream}`);
	if (url.pathname !== "/" || url.search || url.username || url.password)
		throw new Error(`upstream must be just scheme, host and port: ${opts.upstream}`);
	opts.upstream = url;
	if (opts.stats === "") throw new Error("bad --stats (empty)");
	if (opts.secretsOut === "") throw new Error("bad --secrets-out (empty)");
	return opts;
}

let opts;
try {
	opts = parseArgs(process.argv.slice(2));
} catch (e) {
	console.error(`fault-proxy: ${e.message}`);
	process.exit(2);
}
const upstreamAgent = new http.Agent({ keepAlive: true });

// mulberry32: a small, fast 32-bit PRNG; numbers in [0, 1).
function mulberry32(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const nextRandom = mulberry32(opts.seed);

// The decision for one request: its fault kind (null for none) and a PRNG of its own for the details,
// so that details drawn later (after an upstream answer) cannot shift other requests' decisions.
function decide() {
	const roll = nextRandom(), pick = nextRandom(), ownSeed = Math.floor(nextRandom() * 4294967296);
	const kind = roll < opts.rate ? opts.kinds[Math.floor(pick * opts.kinds.length)] : null;
	return { kind, random: mulberry32(ownSeed) };
}

const stats = { requests: 0, forwarded: 0, faults: 0, byKind: Object.fromEntries(KINDS.map((k) => [k, 0])) };
let statsWritten = null;

// Written to a temporary file and renamed, so a reader never sees half a file.
function writeStats() {
	if (!opts.stats) return;
	const text = `${JSON.stringify(stats)}\n`;
	if (text === statsWritten) return;
	const tmp = `${opts.stats}.${process.pid}.tmp`;
	writeFileSync(tmp, text);
	renameSync(tmp, opts.stats);
	statsWritten = text;
}

function log(fields) {
	console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

// The error namespace and the service-specific type names for a target.
function serviceOf(target) {
	if (target?.startsWith("DynamoDB")) return { ns: DYNAMODB_NS, name: "dynamodb", internal: "InternalServerError" };
	if (target?.startsWith("AmazonSQS.")) return { ns: SQS_NS, name: "sqs", internal: "InternalError" };
	return { ns: "com.amazon.coral.service", name: null, internal: "InternalFailure" };
}

function answerError(res, status, ns, type, message) {
	const body = JSON.stringify({ __type: `${ns}#${type}`, message });
	res.writeHead(status, {
		"Content-Type": "application/x-amz-json-1.0",
		"Content-Length": Buffer.byteLength(body),
		"x-amzn-RequestId": crypto.randomUUID(),
	});
	res.end(body);
}

// An RST where the platform can send one (the client sees "connection reset"), else a plain close.
function resetClient(req) {
	const socket = req.socket;
	if (typeof socket.resetAndDestroy === "function" && !socket.destroyed) socket.resetAndDestroy();
	else socket.destroy();
}

// Sends the request upstream and buffers the whole answer: {statusCode, statusMessage, rawHeaders, body}.
// A keep-alive socket the upstream closed meanwhile fails with ECONNRESET before any answer; that one
// case is retried once on a fresh socket, as the Node documentation advises.
function fetchUpstream(req, body, signal, retried = false) {
	const outHeaders = [];
	for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
		const name = req.rawHeaders[i].toLowerCase();
		if (!HOP_BY_HOP.has(name) && name !== "content-length") outHeaders.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
	}
	outHeaders.push("Content-Length", String(body.length));
	return new Promise((resolve, reject) => {
		let answered = false;
		const up = http.request({
			host: opts.upstream.hostname.replace(/^\[|\]$/g, ""),
			port: opts.upstream.port || 80,
			method: req.method,
			path: req.url,
			headers: outHeaders, // an array: names keep their case and order, and Node adds no Host of its own
			agent: upstreamAgent,
			signal,
		}, (upRes) => {
			answered = true;
			const chunks = [];
			upRes.on("data", (chunk) => chunks.push(chunk));
			upRes.on("end", () => resolve({ statusCode: upRes.statusCode, statusMessage: upRes.statusMessage,
				rawHeaders: upRes.rawHeaders, body: Buffer.concat(chunks) }));
			upRes.on("error", reject); // an answer cut short: ECONNRESET "aborted"
		});
		up.on("error", (e) => {
			if (!answered && !retried && up.reusedSocket && e.code === "ECONNRESET" && !signal.aborted)
				resolve(fetchUpstream(req, body, signal, true));
			else reject(e);
		});
		up.end(body);
	});
}

// Passes an upstream answer on: status and headers as received minus hop-by-hop ones and those in
// `drop`; with a new body, Content-Length follows it.
function relay(res, answer, newBody = null, drop = new Set()) {
	const headers = [];
	let lengthSet = false;
	for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
		const name = answer.rawHeaders[i].toLowerCase();
		if (HOP_BY_HOP.has(name) || drop.has(name)) continue;
		if (name === "content-length" && newBody) {
			if (!lengthSet) headers.push(answer.rawHeaders[i], String(newBody.length));
			lengthSet = true;
		} else {
			headers.push(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
		}
	}
	if (newBody && !lengthSet) headers.push("Content-Length", String(newBody.length));
	res.sendDate = false; // no Date the upstream did not send
	res.writeHead(answer.statusCode, answer.statusMessage, headers);
	res.end(newBody ?? answer.body);
}

// Moves a non-empty random subset of a SendMessageBatch answer's Successful entries to Failed. Returns
// the new body and how many moved, or null when the answer is not a 200 with a non-empty Successful.
function failSome(answer, random) {
	if (answer.statusCode !== 200) return null;
	let doc;
	try {
		doc = JSON.parse(answer.body.toString("utf8"));
	} catch {
		return null;
	}
	if (!doc || !Array.isArray(doc.Successful) || doc.Successful.length === 0) return null;
	const fail = doc.Successful.map(() => random() < 0.5);
	if (!fail.includes(true)) fail[Math.floor(random() * fail.length)] = true;
	const failed = doc.Successful.filter((_, i) => fail[i]).map((entry) =>
		({ Id: entry?.Id, SenderFault: false, Code: "InternalError", Message: FAULT_MESSAGE }));
	doc.Failed = [...(Array.isArray(doc.Failed) ? doc.Failed : []), ...failed];
	const total = doc.Successful.length;
	doc.Successful = doc.Successful.filter((_, i) => !fail[i]);
	return { body: Buffer.from(JSON.stringify(doc)), moved: failed.length, total };
}

// --secrets-out: the values no log may hold, noted before any fault decides the request's fate.
// Written synchronously: the process may exit (SIGTERM) right after.
function noteSecrets(req) {
	if (!opts.secretsOut) return;
	const signature = /Signature=([0-9a-f]{64})/.exec(req.headers.authorization ?? "")?.[1];
	const token = req.headers["x-amz-security-token"];
	const lines = [signature, token].filter((v) => typeof v === "string" && v.length >= 16);
	if (lines.length) appendFileSync(opts.secretsOut, `${lines.join("\n")}\n`);
}

const sockets = new Set(); // every open client connection, for shutdown
const held = new Map(); // socket -> timer, for "timeout"

async function handle(req, res, body) {
	const target = req.headers["x-amz-target"] ?? null;
	stats.requests++;
	noteSecrets(req);
	if (!body) {
		answerError(res, 413, "com.amazon.coral.service", "RequestEntityTooLarge", "Request body too large");
		log({ target, status: 413, error: `body over ${MAX_BODY_BYTES} bytes` });
		return;
	}
	const { kind: chosen, random } = decide();
	// A client that goes away takes its upstream request with it (a long poll cut short).
	const abort = new AbortController();
	let clientGone = false;
	res.on("close", () => {
		clientGone = !res.writableFinished;
		if (clientGone) abort.abort();
	});
	const service = serviceOf(target);
	const kind = chosen === "partial" && target !== "AmazonSQS.SendMessageBatch" ? "500" : chosen;
	if (kind) stats.faults++, stats.byKind[kind]++;
	const fault = (detail) => log({ target, fault: kind, detail });
	let delayMs = 0;

	switch (kind) {
	case "500":
		fault(chosen === "partial" ? `${service.internal} (partial needs AmazonSQS.SendMessageBatch)` : service.internal);
		answerError(res, 500, service.ns, service.internal, FAULT_MESSAGE);
		return;
	case "503":
		fault("ServiceUnavailable");
		answerError(res, 503, service.ns, "ServiceUnavailable", FAULT_MESSAGE);
		return;
	case "throttle": {
		const type = service.name === "dynamodb" && random() < 0.5
			? "ProvisionedThroughputExceededException" : "ThrottlingException";
		fault(type);
		answerError(res, 400, service.ns, type, FAULT_MESSAGE);
		return;
	}
	case "timeout": {
		fault(`held ${opts.holdMs} ms`);
		const socket = req.socket;
		held.set(socket, setTimeout(() => {
			held.delete(socket);
			socket.destroy();
		}, opts.holdMs));
		socket.once("close", () => {
			clearTimeout(held.get(socket));
			held.delete(socket);
		});
		return;
	}
	case "reset":
		if (random() < 0.5) {
			fault("before");
			resetClient(req);
			return;
		}
		fault("after");
		break;
	case "slow":
		delayMs = opts.slowMin + Math.floor(random() * (opts.slowMax - opts.slowMin + 1));
		fault(`${delayMs} ms`);
		break;
	}

	stats.forwarded++;
	let answer;
	try {
		answer = await fetchUpstream(req, body, abort.signal);
	} catch (e) {
		if (clientGone) return;
		if (kind === "partial") fault("no-op");
		log({ target, status: 502, error: e.code ?? e.message });
		if (kind === "reset") resetClient(req);
		else answerError(res, 502, "com.amazon.coral.service", "ServiceUnavailable",
			`fault-proxy: upstream ${opts.upstream.host} is unreachable`);
		return;
	}
	if (clientGone) return;
	if (kind === "reset") {
		resetClient(req);
	} else if (kind === "slow") {
		const timer = setTimeout(() => relay(res, answer), delayMs);
		res.on("close", () => clearTimeout(timer));
	} else if (kind === "partial") {
		const changed = failSome(answer, random);
		fault(changed ? `${changed.moved} of ${changed.total} entries failed` : "no-op");
		if (changed) relay(res, answer, changed.body, new Set(["x-amz-crc32"]));
		else relay(res, answer);
	} else {
		relay(res, answer);
	}
}

const server = http.createServer((req, res) => {
	const chunks = [];
	let size = 0, tooBig = false;
	req.on("data", (chunk) => {
		size += chunk.length;
		if (size > MAX_BODY_BYTES) tooBig = true, chunks.length = 0;
		else if (!tooBig) chunks.push(chunk);
	});
	req.on("end", () => {
		handle(req, res, tooBig ? null : Buffer.concat(chunks)).catch((e) => {
			log({ target: req.headers["x-amz-target"] ?? null, status: 500, error: String(e?.message ?? e) });
			if (!res.headersSent) answerError(res, 500, "com.amazon.coral.service", "InternalFailure",
				"fault-proxy internal error");
		});
	});
	req.on("error", () => res.destroy());
});
server.requestTimeout = 0; // long polls (ReceiveMessage WaitTimeSeconds=20) must not be cut
server.keepAliveTimeout = 60_000;
server.on("clientError", (err, socket) => socket.destroy());
server.on("connection", (socket) => {
	sockets.add(socket);
	socket.on("close", () => sockets.delete(socket));
});

let stopping = false;
function shutdown() {
	if (stopping) return;
	stopping = true;
	server.close();
	for (const timer of held.values()) clearTimeout(timer);
	for (const socket of sockets) socket.destroy();
	upstreamAgent.destroy();
	try {
		writeStats();
	} catch (e) {
		console.error(`fault-proxy: cannot write ${opts.stats}: ${e.message}`);
	}
	process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

try {
	writeStats();
} catch (e) {
	console.error(`fault-proxy: cannot write --stats ${opts.stats}: ${e.message}`);
	process.exit(2);
}
setInterval(() => {
	try {
		writeStats();
	} catch (e) {
		console.error(`fault-proxy: cannot write ${opts.stats}: ${e.message}`);
	}
}, 1000).unref();

server.listen(opts.port, HOST, () => {
	const address = server.address();
	if (address.address !== HOST) {
		console.error(`fault-proxy: listening on ${address.address}, not ${HOST}`);
		process.exit(1);
	}
	const slow = `${opts.slowMin}-${opts.slowMax}`;
	console.log(`fault-proxy listening on ${HOST}:${address.port} (upstream ${opts.upstream.origin}, rate ${opts.rate}, ` +
		`seed ${opts.seed}, kinds ${opts.kinds.join(",")}, hold ${opts.holdMs} ms, slow ${slow} ms)`);
});
