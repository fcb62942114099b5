// Tests for tools/peers/fault-proxy.mjs: the proxy runs as a child process in front of a small upstream
// server started here, which records what reaches it and answers like DynamoDB or SQS would.
//
//   node --test test/integration/fault_proxy.test.mjs      (from the repository root; Node 20 or later)
//
// No network beyond 127.0.0.1 and no npm packages. Every test stops the processes and servers it starts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const PROXY = fileURLToPath(new URL("../../tools/peers/fault-proxy.mjs", import.meta.url));
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
	"upgrade", "expect"]);
const DDB = "com.amazonaws.dynamodb.v20120810";
const SQS = "com.amazonaws.sqs";
const UPDATE_ITEM = "DynamoDB_20120810.UpdateItem";
const SEND_BATCH = "AmazonSQS.SendMessageBatch";
// What a signed request carries; the values are fake, the proxy must pass them on untouched.
const SIGNED_HEADERS = [
	"X-Amz-Date", "20240101T000000Z",
	"X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLETOKEN==",
	"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20240101/us-east-1/dynamodb/aws4_request, " +
		"SignedHeaders=content-type;host;x-amz-date;x-amz-target, " +
		"Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
];

const tmp = mkdtempSync(path.join(os.tmpdir(), "fault-proxy-test-"));
const children = new Set();
after(() => {
	for (const child of children) child.kill("SIGKILL");
	rmSync(tmp, { recursive: true, force: true });
});

// Header pairs from a rawHeaders array, without hop-by-hop ones and those in `without`.
function pairs(rawHeaders, without = []) {
	const out = [];
	for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
		const name = rawHeaders[i].toLowerCase();
		if (!HOP_BY_HOP.has(name) && !without.includes(name)) out.push([rawHeaders[i], rawHeaders[i + 1]]);
	}
	return out;
}

// The default upstream answers: SendMessageBatch gets a 200 listing every entry as Successful (or a 400
// when the QueueUrl ends in "/missing"); anything else a 200 echoing the target. Each answer carries an
// x-amz-crc32 (not a real one: nothing here checks it) and a request id.
function defaultAnswer(record) {
	const target = record.headers["x-amz-target"];
	let status = 200, doc = { echo: target ?? null, n: record.n };
	if (target === SEND_BATCH) {
		const request = JSON.parse(record.body.toString("utf8"));
		if (request.QueueUrl?.endsWith("/missing")) {
			status = 400;
			doc = { __type: `${SQS}#QueueDoesNotExist`, message: "The specified queue does not exist." };
		} else {
			doc = { Successful: request.Entries.map((e, i) => ({ Id: e.Id, MessageId: `m-${record.n}-${i}`,
				MD5OfMessageBody: "0".repeat(32) })), Failed: [] };
		}
	}
	const body = Buffer.from(JSON.stringify(doc));
	return { status, body, headers: ["x-amzn-RequestId", `req-${record.n}`, "Content-Type",
		"application/x-amz-json-1.0", "x-amz-crc32", "12345", "Content-Length", String(body.length)] };
}

// An upstream on 127.0.0.1 that records {n, method, url, rawHeaders, headers, body} and answers with
// answer(record) -> {status, headers (array, sent as is), body}.
async function startUpstream(t, answer = defaultAnswer) {
	const received = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on("data", (chunk) => chunks.push(chunk));
		req.on("end", () => {
			const record = { n: received.length, method: req.method, url: req.url, rawHeaders: req.rawHeaders,
				headers: req.headers, body: Buffer.concat(chunks) };
			received.push(record);
			const a = answer(record);
			res.sendDate = false;
			res.writeHead(a.status, a.statusMessage, a.headers);
			res.end(a.body);
		});
	});
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	t.after(() => {
		server.closeAllConnections();
		server.close();
	});
	return { port: server.address().port, received, server };
}

// Starts the proxy in front of `upstreamPort`; resolves once it prints its listening line. `logs` fills
// with its JSON log lines; stop() sends a signal and waits for the exit and the end of its output.
async function startProxy(t, upstreamPort, args) {
	const child = spawn(process.execPath, [PROXY, "--upstream", `http://127.0.0.1:${upstreamPort}`, ...args],
		{ stdio: ["ignore", "pipe", "pipe"] });
	children.add(child);
	let stderr = "";
	child.stderr.on("data", (d) => (stderr += d));
	const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
	const outputEnded = once(child.stdout, "end");
	const logs = [];
	const port = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 5000);
		readline.createInterface({ input: child.stdout }).on("line", (line) => {
			const m = /^fault-proxy listening on 127\.0\.0\.1:(\d+) \(/.exec(line);
			if (m) clearTimeout(timer), resolve(Number(m[1]));
			else if (line.startsWith("{")) logs.push(JSON.parse(line));
		});
		exited.then(({ code }) => reject(new Error(`proxy exited with ${code}; stderr: ${stderr}`)));
	});
	const stop = async (signal = "SIGTERM") => {
		if (child.exitCode === null && child.signalCode === null) child.kill(signal);
		const result = await exited;
		await outputEnded;
		children.delete(child);
		return result;
	};
	t.after(() => stop("SIGKILL"));
	return { child, port, logs, exited, stop, stderr: () => stderr };
}

// One request on a fresh connection. Resolves {status, statusMessage, rawHeaders, headers, body, ms} or,
// when the connection fails, {error, ms}; never rejects.
function call(port, { target, body = "{}", headers = [], path: urlPath = "/", chunked = false, timeoutMs = 5000 }) {
	const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
	const sent = ["Host", `127.0.0.1:${port}`, "Content-Type", "application/x-amz-json-1.0",
		...(target ? ["X-Amz-Target", target] : []), ...SIGNED_HEADERS, ...headers];
	if (!chunked) sent.push("Content-Length", String(bytes.length));
	return new Promise((resolve) => {
		const started = performance.now();
		const done = (result) => resolve({ ...result, ms: performance.now() - started, sent });
		const req = http.request({ host: "127.0.0.1", port, method: "POST", path: urlPath, headers: sent, agent: false },
			(res) => {
				const chunks = [];
				res.on("data", (chunk) => chunks.push(chunk));
				res.on("end", () => done({ status: res.statusCode, statusMessage: res.statusMessage,
					rawHeaders: res.rawHeaders, headers: res.headers, body: Buffer.concat(chunks) }));
				res.on("error", (e) => done({ error: e.code ?? e.message }));
			});
		req.on("error", (e) => done({ error: e.code ?? e.message }));
		req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("client timeout"), { code: "CLIENT_TIMEOUT" })));
		if (chunked) {
			req.write(bytes.subarray(0, 3));
			setTimeout(() => req.end(bytes.subarray(3)), 10);
		} else {
			req.end(bytes);
		}
	});
}

const json = (r) => JSON.parse(r.body.toString("utf8"));
const batchBody = (ids, queue = "http://127.0.0.1/000000000000/orders") =>
	JSON.stringify({ QueueUrl: queue, Entries: ids.map((Id) => ({ Id, MessageBody: `body of ${Id}` })) });

async function waitFor(condition, ms, what) {
	const deadline = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

function assertInjected(r, status, type) {
	assert.equal(r.status, status);
	assert.equal(r.headers["content-type"], "application/x-amz-json-1.0");
	assert.deepEqual(json(r), { __type: type, message: "injected fault" });
}

test("rate 0 forwards requests and answers byte for byte", async (t) => {
	const upstream = await startUpstream(t, (record) => {
		if (record.headers["x-amz-target"] === "Test.Chunked") // an answer without Content-Length
			return { status: 200, headers: ["Content-Type", "application/x-amz-json-1.0"], body: Buffer.from('{"c":1}') };
		return { status: 201, statusMessage: "Made It", body: Buffer.from([0x7b, 0x7d, 0x0a, 0xff, 0x00, 0xc3, 0xbc]),
			headers: ["X-Amzn-RequestId", "abc-123", "x-amz-crc32", "987654", "X-Up", "one", "X-Up", "two",
				"Content-Type", "application/x-amz-json-1.0", "Content-Length", "7"] };
	});
	const proxy = await startProxy(t, upstream.port, ["--rate", "0"]);
	const body = Buffer.concat([Buffer.from('{"Key":{"id":{"S":"ü€ x"}}}'), Buffer.from([0xff, 0x00, 0x0d, 0x0a])]);
	const extra = ["User-Agent", "cartflow/1.0", "X-Dup", "a", "x-dup", "b", "Proxy-Connection", "keep-alive",
		"TE", "trailers"];

	const r = await call(proxy.port, { target: UPDATE_ITEM, body, headers: extra, path: "/a/b?x=1&y=%2F&z" });
	const got = upstream.received[0];
	assert.equal(got.method, "POST");
	assert.equal(got.url, "/a/b?x=1&y=%2F&z");
	assert.deepEqual(got.body, body);
	// Every end-to-end header as sent, in order and case, Host and Authorization included.
	assert.deepEqual(pairs(got.rawHeaders, ["content-length"]), pairs(r.sent, ["content-length"]));
	assert.equal(got.headers.host, `127.0.0.1:${proxy.port}`);
	assert.equal(got.headers.authorization, SIGNED_HEADERS[7]);
	assert.equal(got.headers["content-length"], String(body.length));
	assert.equal(got.headers.te, undefined);
	assert.equal(got.headers["proxy-connection"], undefined);
	// And the answer as the upstream sent it.
	assert.equal(r.status, 201);
	assert.equal(r.statusMessage, "Made It");
	assert.deepEqual(r.body, Buffer.from([0x7b, 0x7d, 0x0a, 0xff, 0x00, 0xc3, 0xbc]));
	assert.deepEqual(pairs(r.rawHeaders), [["X-Amzn-RequestId", "abc-123"], ["x-amz-crc32", "987654"],
		["X-Up", "one"], ["X-Up", "two"], ["Content-Type", "application/x-amz-json-1.0"], ["Content-Length", "7"]]);

	// A chunked request reaches the upstream with a Content-Length; a chunked answer comes back whole.
	const c = await call(proxy.port, { target: "Test.Chunked", body, chunked: true });
	const gotChunked = upstream.received[1];
	assert.deepEqual(gotChunked.body, body);
	assert.equal(gotChunked.headers["content-length"], String(body.length));
	assert.equal(gotChunked.headers["transfer-encoding"], undefined);
	assert.equal(c.status, 200);
	assert.equal(c.body.toString(), '{"c":1}');

	assert.equal((await proxy.stop()).code, 0);
	assert.deepEqual(proxy.logs, []);
});

test("an unreachable upstream gives 502 and a body over 16 MiB gives 413", async (t) => {
	const gone = await startUpstream(t);
	const goneUpstreamPort = gone.port;
	gone.server.close();
	await once(gone.server, "close");
	const proxy = await startProxy(t, goneUpstreamPort, ["--rate", "0"]);
	const r = await call(proxy.port, { target: UPDATE_ITEM });
	assert.equal(r.status, 502);
	assert.match(json(r).__type, /#ServiceUnavailable$/);
	const big = await call(proxy.port, { target: UPDATE_ITEM, body: Buffer.alloc(16 * 1024 * 1024 + 1, 0x20) });
	assert.equal(big.status, 413);
	await proxy.stop();
	assert.deepEqual(proxy.logs.map((l) => l.status), [502, 413]);
	assert.equal(proxy.logs[0].error, "ECONNREFUSED");
});

test("500, 503 and throttle answer AWS errors without forwarding", async (t) => {
	const upstream = await startUpstream(t);
	const cases = [
		["500", 500, `${DDB}#InternalServerError`, `${SQS}#InternalError`],
		["503", 503, `${DDB}#ServiceUnavailable`, `${SQS}#ServiceUnavailable`],
		["throttle", 400, null, `${SQS}#ThrottlingException`],
	];
	for (const [kind, status, ddbType, sqsType] of cases) {
		const proxy = await startProxy(t, upstream.port, ["--rate", "1", "--kinds", kind]);
		assertInjected(await call(proxy.port, { target: SEND_BATCH, body: batchBody(["a"]) }), status, sqsType);
		assertInjected(await call(proxy.port, { target: "AmazonSQS.DeleteMessage" }), status, sqsType);
		const ddbTypes = new Set();
		for (let i = 0; i < (ddbType ? 1 : 16); i++) {
			const r = await call(proxy.port, { target: UPDATE_ITEM });
			assert.equal(r.status, status);
			assert.equal(json(r).message, "injected fault");
			ddbTypes.add(json(r).__type);
		}
		// DynamoDB throttling comes as either of its two names.
		assert.deepEqual([...ddbTypes].sort(), ddbType ? [ddbType] :
			[`${DDB}#ProvisionedThroughputExceededException`, `${DDB}#ThrottlingException`]);
		await proxy.stop();
		assert.ok(proxy.logs.every((l) => l.fault === kind && typeof l.detail === "string" && l.time && l.target));
	}
	assert.equal(upstream.received.length, 0);
});

test("--secrets-out notes every request's signature and token, faulted or not", async (t) => {
	const upstream = await startUpstream(t);
	const secretsFile = path.join(tmp, "secrets.txt");
	const proxy = await startProxy(t, upstream.port, ["--rate", "0.5", "--kinds", "500", "--secrets-out", secretsFile]);
	for (let i = 0; i < 6; i++) await call(proxy.port, { target: UPDATE_ITEM });
	await proxy.stop();
	// Seed 1 at rate 0.5: some requests faulted (never forwarded), some forwarded.
	assert.ok(upstream.received.length > 0 && upstream.received.length < 6,
		`${upstream.received.length} of 6 forwarded: want both kinds`);
	const authorization = SIGNED_HEADERS[SIGNED_HEADERS.indexOf("Authorization") + 1];
	const signature = /Signature=([0-9a-f]{64})/.exec(authorization)[1];
	const token = SIGNED_HEADERS[SIGNED_HEADERS.indexOf("X-Amz-Security-Token") + 1];
	assert.deepEqual(readFileSync(secretsFile, "utf8").trim().split("\n"), Array(6).fill([signature, token]).flat());
});

test("reset drops the connection, before or after the upstream saw the request", async (t) => {
	const upstream = await startUpstream(t);
	const proxy = await startProxy(t, upstream.port, ["--rate", "1", "--kinds", "reset"]);
	const results = [];
	for (let i = 0; i < 12; i++) results.push(await call(proxy.port, { target: UPDATE_ITEM, body: `{"id":"r${i}"}` }));
	await proxy.stop();
	for (const r of results) assert.ok(r.error && r.status === undefined, `expected a connection error, got ${r.status}`);
	const details = proxy.logs.map((l) => l.detail);
	assert.equal(details.length, 12);
	assert.ok(details.includes("before") && details.includes("after"), details.join());
	const seen = new Set(upstream.received.map((g) => g.body.toString()));
	details.forEach((d, i) => assert.equal(seen.has(`{"id":"r${i}"}`), d === "after", `request ${i} (${d})`));
});

test("timeout holds the connection for --hold-ms, then closes it", async (t) => {
	const upstream = await startUpstream(t);
	const proxy = await startProxy(t, upstream.port, ["--rate", "1", "--kinds", "timeout", "--hold-ms", "300"]);
	// A client that gives up first leaves nothing behind that breaks the next request.
	const impatient = await call(proxy.port, { target: UPDATE_ITEM, timeoutMs: 100 });
	assert.equal(impatient.error, "CLIENT_TIMEOUT");
	const r = await call(proxy.port, { target: SEND_BATCH, body: batchBody(["a"]) });
	assert.ok(r.error && r.status === undefined, `expected no answer, got ${r.status}`);
	assert.ok(r.ms >= 280 && r.ms < 2000, `closed after ${r.ms} ms`);
	await proxy.stop();
	assert.equal(upstream.received.length, 0);
	assert.deepEqual(proxy.logs.map((l) => l.fault), ["timeout", "timeout"]);
});

test("slow forwards and delays the answer by at least the minimum", async (t) => {
	const upstream = await startUpstream(t);
	const proxy = await startProxy(t, upstream.port, ["--rate", "1", "--kinds", "slow", "--slow-ms", "200-300"]);
	const results = [];
	for (let i = 0; i < 3; i++) results.push(await call(proxy.port, { target: UPDATE_ITEM }));
	await proxy.stop();
	assert.equal(upstream.received.length, 3);
	results.forEach((r, i) => {
		assert.equal(r.status, 200);
		assert.deepEqual(json(r), { echo: UPDATE_ITEM, n: i });
		const delay = Number.parseInt(proxy.logs[i].detail, 10);
		assert.ok(delay >= 200 && delay <= 300, proxy.logs[i].detail);
		assert.ok(r.ms >= delay - 2, `answered after ${r.ms} ms, delay ${delay}`); // timers may round down 1 ms
	});
});

test("partial fails some SendMessageBatch entries and falls back to 500 elsewhere", async (t) => {
	const upstream = await startUpstream(t);
	const statsFile = path.join(tmp, "partial.json");
	const proxy = await startProxy(t, upstream.port, ["--rate", "1", "--kinds", "partial", "--stats", statsFile]);
	for (let i = 0; i < 5; i++) {
		const ids = ["a", "b", "c", "d", "e", "f"].map((x) => `${x}${i}`);
		const r = await call(proxy.port, { target: SEND_BATCH, body: batchBody(ids) });
		assert.equal(r.status, 200);
		assert.equal(r.headers["x-amz-crc32"], undefined);
		assert.equal(r.headers["content-length"], String(r.body.length));
		assert.equal(r.headers["x-amzn-requestid"], `req-${i}`);
		const doc = json(r);
		assert.ok(doc.Failed.length >= 1);
		for (const f of doc.Failed)
			assert.deepEqual(f, { Id: f.Id, SenderFault: false, Code: "InternalError", Message: "injected fault" });
		for (const s of doc.Successful) assert.match(s.MessageId, /^m-/);
		const all = [...doc.Successful, ...doc.Failed].map((e) => e.Id);
		assert.deepEqual(all.sort(), ids);
		assert.equal(upstream.received.at(-1).body.toString(), batchBody(ids)); // forwarded unchanged
	}
	// Not a 200: passed on as is.
	const missing = await call(proxy.port, { target: SEND_BATCH, body: batchBody(["x"], "http://q/missing") });
	assert.equal(missing.status, 400);
	assert.equal(json(missing).__type, `${SQS}#QueueDoesNotExist`);
	assert.equal(missing.headers["x-amz-crc32"], "12345");
	// Other targets: a 500, not forwarded.
	const before = upstream.received.length;
	assertInjected(await call(proxy.port, { target: "AmazonSQS.SendMessage" }), 500, `${SQS}#InternalError`);
	assertInjected(await call(proxy.port, { target: "DynamoDB_20120810.PutItem" }), 500, `${DDB}#InternalServerError`);
	assert.equal(upstream.received.length, before);

	await proxy.stop();
	assert.deepEqual(proxy.logs.map((l) => l.fault), [...Array(6).fill("partial"), "500", "500"]);
	assert.equal(proxy.logs[5].detail, "no-op");
	const stats = JSON.parse(readFileSync(statsFile, "utf8"));
	assert.deepEqual(stats, { requests: 8, forwarded: 6, faults: 8,
		byKind: { 500: 2, 503: 0, throttle: 0, reset: 0, timeout: 0, slow: 0, partial: 6 } });
});

// 50 requests at rate 0.5 with every kind; the outcome of each as the client saw it, and the log.
async function mixedRun(t, seed, statsFile) {
	const upstream = await startUpstream(t);
	const args = ["--rate", "0.5", "--seed", String(seed), "--hold-ms", "50", "--slow-ms", "1-20"];
	const proxy = await startProxy(t, upstream.port, statsFile ? [...args, "--stats", statsFile] : args);
	const targets = [UPDATE_ITEM, SEND_BATCH, "AmazonSQS.SendMessage"];
	const outcomes = [];
	for (let i = 0; i < 50; i++) {
		const target = targets[i % 3];
		const r = await call(proxy.port, { target, body: target === SEND_BATCH ? batchBody(["p", "q", "r", "s"]) : "{}" });
		if (r.error) outcomes.push("no answer");
		else if (r.status !== 200) outcomes.push(`${r.status} ${json(r).__type}`);
		else outcomes.push(`200 failed:${(json(r).Failed ?? []).map((f) => f.Id).join(",")}`);
	}
	return { upstream, proxy, outcomes };
}

test("the same seed gives the same faults, another seed others; stats match", async (t) => {
	const statsFile = path.join(tmp, "mixed.json");
	const [a, b, c] = await Promise.all([mixedRun(t, 42, statsFile), mixedRun(t, 42), mixedRun(t, 43)]);
	// The stats file is rewritten within a second of a change, before any exit.
	await waitFor(() => {
		try {
			return JSON.parse(readFileSync(statsFile, "utf8")).requests === 50;
		} catch {
			return false;
		}
	}, 2500, "the stats file to count 50 requests");
	await Promise.all([a.proxy.stop(), b.proxy.stop(), c.proxy.stop()]);
	const faults = (run) => run.proxy.logs.map((l) => `${l.fault} ${l.detail}`);

	assert.deepEqual(a.outcomes, b.outcomes);
	assert.deepEqual(faults(a), faults(b));
	assert.notDeepEqual(a.outcomes, c.outcomes);
	assert.ok(a.proxy.logs.length > 10 && a.proxy.logs.length < 40, `${a.proxy.logs.length} faults in 50`);

	const stats = JSON.parse(readFileSync(statsFile, "utf8"));
	const logged = (kind) => a.proxy.logs.filter((l) => l.fault === kind).length;
	const seen = (prefix) => a.outcomes.filter((o) => o.startsWith(prefix)).length;
	assert.equal(stats.requests, 50);
	assert.equal(stats.faults, a.proxy.logs.length);
	assert.equal(stats.forwarded, a.upstream.received.length);
	for (const kind of Object.keys(stats.byKind)) assert.equal(stats.byKind[kind], logged(kind), kind);
	assert.equal(stats.byKind[500], seen("500 "));
	assert.equal(stats.byKind[503], seen("503 "));
	assert.equal(stats.byKind.throttle, seen("400 "));
	assert.equal(stats.byKind.reset + stats.byKind.timeout, seen("no answer"));
	assert.equal(stats.byKind.partial, a.outcomes.filter((o) => /^200 failed:./.test(o)).length);
	assert.equal(stats.faults, Object.values(stats.byKind).reduce((x, y) => x + y, 0));
});

test("SIGTERM exits 0 at once, even with a held connection", async (t) => {
	const upstream = await startUpstream(t);
	const statsFile = path.join(tmp, "term.json");
	const proxy = await startProxy(t, upstream.port, ["--rate", "1", "--kinds", "timeout", "--stats", statsFile]);
	const pending = call(proxy.port, { target: UPDATE_ITEM, timeoutMs: 10_000 });
	await waitFor(() => proxy.logs.length === 1, 2000, "the held request");
	const started = performance.now();
	proxy.child.kill("SIGTERM");
	const { code } = await proxy.exited;
	const ms = performance.now() - started;
	assert.equal(code, 0);
	assert.ok(ms < 1000, `exited after ${ms} ms`);
	const r = await pending;
	assert.ok(r.error && r.ms < 3000, `client: ${r.error} after ${r.ms} ms`);
	assert.deepEqual(JSON.parse(readFileSync(statsFile, "utf8")), { requests: 1, forwarded: 0, faults: 1,
		byKind: { 500: 0, 503: 0, throttle: 0, reset: 0, timeout: 1, slow: 0, partial: 0 } });

	const idle = await startProxy(t, upstream.port, []);
	assert.equal((await idle.stop("SIGINT")).code, 0);
});

test("bad arguments exit 2 with a message", async () => {
	const good = ["--upstream", "http://127.0.0.1:9"];
	const bad = [
		[],
		["--upstream", "http://10.0.0.1:80"],
		["--upstream", "https://127.0.0.1:9"],
		["--upstream", "http://127.0.0.1:9/path"],
		[...good, "--rate", "1.5"],
		[...good, "--rate", "abc"],
		[...good, "--port", "70000"],
		[...good, "--seed", "-1"],
		[...good, "--kinds", "500,explode"],
		[...good, "--slow-ms", "500-100"],
		[...good, "--stats", path.join(tmp, "no", "such", "dir", "stats.json")],
		[...good, "--rate"],
		[...good, "--bogus", "1"],
	];
	await Promise.all(bad.map(async (args) => {
		const child = spawn(process.execPath, [PROXY, ...args], { stdio: ["ignore", "pipe", "pipe"] });
		children.add(child);
		let out = "", err = "";
		child.stdout.on("data", (d) => (out += d));
		child.stderr.on("data", (d) => (err += d));
		const [code] = await once(child, "exit");
		children.delete(child);
		assert.equal(code, 2, `${args.join(" ")}: exit ${code}, stderr ${err}`);
		assert.match(err, /^fault-proxy: /, args.join(" "));
		assert.equal(out, "");
	}));
});
