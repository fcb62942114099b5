// A reverse proxy that checks AWS Signature Version 4 before it forwards: the emulators behind it
// (DynamoDB Local, fauxqs) accept any signature, this proxy does not. It listens on 127.0.0.1 only.
//
//   node verifying-proxy.mjs --dynamodb http://127.0.0.1:P --sqs http://127.0.0.1:Q [--port N]
//
// Environment:
//   PROXY_ACCESS_KEY_ID, PROXY_SECRET_ACCESS_KEY  the one key pair it accepts (required; never logged)
//   PROXY_REGION            if set, the credential scope must name this region
//   PROXY_MAX_SKEW_SECONDS  how far X-Amz-Date may be from the clock (default 900, as AWS)
//   PROXY_DEBUG=1           on a mismatch, also log the canonical request the proxy computed
//   PROXY_SECRETS_OUT=FILE  append to FILE, one per line, every value that must never appear in a log:
//                           each request's Signature and session token, and each ReceiptHandle that a
//                           ReceiveMessage answer carries (tests grep the logs for them)
//
// For each request it recomputes the signature with @smithy/signature-v4 from the method, path, query,
// the headers listed in SignedHeaders, the body, X-Amz-Date and the credential scope of the
// Authorization header. Any mismatch, a missing or malformed Authorization header, a body whose hash is
// not the signed x-amz-content-sha256, or an X-Amz-Date more than 15 minutes away answers 403
// InvalidSignatureException without forwarding. Otherwise the request goes to the upstream chosen by
// X-Amz-Target (DynamoDB_20120810.* and DynamoDBStreams_20120810.* to DynamoDB Local, AmazonSQS.* to
// fauxqs; without a target, by the scope's service), and the answer comes back unchanged.
// Prints "verifying-proxy listening on 127.0.0.1:PORT" when ready; one log line per request.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

const HOST = "127.0.0.1";
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
	"upgrade", "expect"]);
const MISMATCH = "The request signature we calculated does not match the signature you provided.";

function parseArgs(argv) {
	const opts = { port: 0, dynamodb: null, sqs: null };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i], v = argv[i + 1];
		if (a === "--port") opts.port = Number.parseInt(v, 10), i++;
		else if (a === "--dynamodb") opts.dynamodb = new URL(v), i++;
		else if (a === "--sqs") opts.sqs = new URL(v), i++;
		else throw new Error(`unknown argument ${a}`);
	}
	if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error("bad --port");
	for (const u of [opts.dynamodb, opts.sqs]) {
		if (u && (u.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)))
			throw new Error(`upstream must be http on loopback: ${u}`);
	}
	if (!opts.dynamodb && !opts.sqs) throw new Error("give --dynamodb URL and/or --sqs URL");
	return opts;
}

let opts;
try {
	opts = parseArgs(process.argv.slice(2));
} catch (e) {
	console.error(`verifying-proxy: ${e.message}`);
	process.exit(2);
}
const accessKeyId = process.env.PROXY_ACCESS_KEY_ID ?? "";
const secretAccessKey = process.env.PROXY_SECRET_ACCESS_KEY ?? "";
if (!accessKeyId || !secretAccessKey) {
	console.error("verifying-proxy: PROXY_ACCESS_KEY_ID and PROXY_SECRET_ACCESS_KEY must be set");
	process.exit(2);
}
const expectedRegion = process.env.PROXY_REGION || null;
const maxSkewMs = Number.parseInt(process.env.PROXY_MAX_SKEW_SECONDS ?? "900", 10) * 1000;
const debug = process.env.PROXY_DEBUG === "1";
const secretsOut = process.env.PROXY_SECRETS_OUT ? fs.createWriteStream(process.env.PROXY_SECRETS_OUT, { flags: "a" }) : null;

// Remember a value that must never be logged (PROXY_SECRETS_OUT); short values would match by chance.
function noteSecret(value) {
	if (secretsOut && typeof value === "string" && value.length >= 16 && !/[\r\n]/.test(value)) secretsOut.write(`${value}\n`);
}

// The receipt handles of a ReceiveMessage answer.
function noteReceiptHandles(text) {
	try {
		for (const m of JSON.parse(text).Messages ?? []) noteSecret(m.ReceiptHandle);
	} catch {
		// not JSON: nothing to note
	}
}
const upstreamAgent = new http.Agent({ keepAlive: true });

class Rejection extends Error {
	constructor(status, type, message, reason) {
		super(message);
		this.status = status;
		this.type = type;
		this.reason = reason ?? message; // for the log only
	}
}
const invalidSignature = (reason, message = MISMATCH) =>
	new Rejection(403, "InvalidSignatureException", message, reason);

// Header values by lower-case name; repeated headers joined with "," as SigV4 wants.
function headerMap(rawHeaders) {
	const map = new Map();
	for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
		const name = rawHeaders[i].toLowerCase();
		map.set(name, map.has(name) ? `${map.get(name)},${rawHeaders[i + 1]}` : rawHeaders[i + 1]);
	}
	return map;
}

function parseAuthorization(value) {
	if (!value) throw invalidSignature("missing Authorization header");
	const m = /^AWS4-HMAC-SHA256 +(.*)$/.exec(value);
	if (!m) throw invalidSignature("Authorization is not AWS4-HMAC-SHA256");
	const parts = {};
	for (const item of m[1].split(",")) {
		const eq = item.indexOf("=");
		if (eq < 0) throw invalidSignature("malformed Authorization header");
		const key = item.slice(0, eq).trim();
		if (key in parts) throw invalidSignature(`Authorization repeats ${key}`);
		parts[key] = item.slice(eq + 1).trim();
	}
	const { Credential: credential, SignedHeaders: signedHeaders, Signature: signature } = parts;
	if (!credential || !signedHeaders || !signature || Object.keys(parts).length !== 3)
		throw invalidSignature("Authorization needs exactly Credential, SignedHeaders and Signature");
	const scope = credential.split("/");
	if (scope.length !== 5 || scope[4] !== "aws4_request" || !/^\d{8}$/.test(scope[1]) || !scope[2] || !scope[3])
		throw invalidSignature("malformed Credential");
	if (!/^[0-9a-f]{64}$/.test(signature)) throw invalidSignature("malformed Signature");
	const names = signedHeaders.split(";");
	const sorted = [...new Set(names)].sort();
	if (names.some((n) => !n || n !== n.toLowerCase()) || sorted.join(";") !== signedHeaders)
		throw invalidSignature("SignedHeaders not lower-case, sorted and unique");
	return { accessKey: scope[0], date: scope[1], region: scope[2], service: scope[3], signedHeaders: names,
		signature };
}

function parseAmzDate(value) {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
	if (!m) return null;
	const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
	return Number.isNaN(t) ? null : new Date(t);
}

const formatAmzDate = (d) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

// The query as smithy wants it: decoded keys and values, repeated keys as arrays.
function parseQuery(raw) {
	const query = {};
	if (!raw) return query;
	for (const pair of raw.split("&")) {
		if (!pair) continue;
		const eq = pair.indexOf("=");
		let key, value;
		try {
			key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
			value = eq < 0 ? "" : decodeURIComponent(pair.slice(eq + 1));
		} catch {
			throw invalidSignature("query string is not valid percent-encoding");
		}
		if (!Object.hasOwn(query, key)) query[key] = value;
		else query[key] = [].concat(query[key], value);
	}
	return query;
}

function upstreamFor(target, service) {
	let name = null;
	if (target) {
		if (target.startsWith("DynamoDB_20120810.") || target.startsWith("DynamoDBStreams_20120810.")) name = "dynamodb";
		else if (target.startsWith("AmazonSQS.")) name = "sqs";
	} else if (service === "dynamodb" || service === "sqs") {
		name = service;
	}
	const url = name && opts[name];
	if (!url) throw new Rejection(400, "UnknownOperationException", "", `no upstream for target ${target ?? "-"}`);
	return { name, url };
}

async function verify(req, headers, body) {
	const auth = parseAuthorization(headers.get("authorization"));
	if (auth.accessKey !== accessKeyId)
		throw new Rejection(403, "UnrecognizedClientException", "The security token included in the request is invalid.",
			"unknown access key id");
	for (const required of ["host", "x-amz-date"]) {
		if (!auth.signedHeaders.includes(required)) throw invalidSignature(`${required} is not signed`);
	}
	for (const name of auth.signedHeaders) {
		if (!headers.has(name)) throw invalidSignature(`signed header ${name} is missing`);
	}
	const amzDateText = headers.get("x-amz-date");
	const amzDate = parseAmzDate(amzDateText);
	if (!amzDate) throw invalidSignature("malformed X-Amz-Date");
	if (amzDateText.slice(0, 8) !== auth.date) throw invalidSignature("credential date is not the X-Amz-Date's date");
	const now = Date.now();
	if (amzDate.getTime() < now - maxSkewMs)
		throw invalidSignature("X-Amz-Date too old", `Signature expired: ${amzDateText} is now earlier than ` +
			`${formatAmzDate(new Date(now - maxSkewMs))} (${formatAmzDate(new Date(now))} - 15 min.)`);
	if (amzDate.getTime() > now + maxSkewMs)
		throw invalidSignature("X-Amz-Date in the future", `Signature not yet current: ${amzDateText} is still later ` +
			`than ${formatAmzDate(new Date(now + maxSkewMs))} (${formatAmzDate(new Date(now))} + 15 min.)`);
	if (expectedRegion && auth.region !== expectedRegion)
		throw invalidSignature(`scope region ${auth.region}`, "Credential should be scoped to a valid region. ");
	const declaredHash = headers.get("x-amz-content-sha256");
	if (declaredHash !== undefined && declaredHash !== crypto.createHash("sha256").update(body).digest("hex"))
		throw invalidSignature("body does not match x-amz-content-sha256");

	const qmark = req.url.indexOf("?");
	const signedHeaderValues = {};
	for (const name of auth.signedHeaders) {
		if (name !== "x-amz-date") signedHeaderValues[name] = headers.get(name);
	}
	const toSign = {
		method: req.method,
		protocol: "http:",
		hostname: headers.get("host"),
		path: qmark < 0 ? req.url : req.url.slice(0, qmark),
		query: parseQuery(qmark < 0 ? "" : req.url.slice(qmark + 1)),
		headers: signedHeaderValues,
		body,
	};
	const signer = new SignatureV4({
		credentials: { accessKeyId, secretAccessKey },
		region: auth.region,
		service: auth.service,
		sha256: Hash.bind(null, "sha256"),
		applyChecksum: false,
		uriEscapePath: true,
	});
	const signed = await signer.sign(toSign, {
		signingDate: amzDate,
		signingRegion: auth.region,
		signingService: auth.service,
		signableHeaders: new Set(auth.signedHeaders), // sign exactly what the client listed (even user-agent)
	});
	const ours = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)?.[1] ?? "";
	const ourList = /SignedHeaders=([^,]+)/.exec(signed.headers.authorization)?.[1];
	const same = ourList === auth.signedHeaders.join(";") &&
		crypto.timingSafeEqual(Buffer.from(ours.padEnd(64, "0")), Buffer.from(auth.signature));
	if (!same) {
		if (debug) {
			const canonical = signer.createCanonicalRequest(
				{ ...toSign, headers: { ...signedHeaderValues, "x-amz-date": amzDateText } },
				Object.fromEntries(auth.signedHeaders.map((n) => [n, n === "x-amz-security-token" ? "<redacted>" :
					headers.get(n).replace(/[ \t]+/g, " ").trim()])),
				declaredHash ?? crypto.createHash("sha256").update(body).digest("hex"));
			console.log(`verifying-proxy: canonical request (ours):\n${canonical}\n--`);
		}
		throw invalidSignature("signature mismatch");
	}
	return auth;
}

function reject(res, rejection) {
	const body = rejection.type === "InvalidSignatureException" && rejection.message === MISMATCH
		? `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"${MISMATCH}"}`
		: JSON.stringify({ __type: `com.amazon.coral.service#${rejection.type}`, message: rejection.message });
	res.writeHead(rejection.status, {
		"Content-Type": "application/x-amz-json-1.0",
		"Content-Length": Buffer.byteLength(body),
		"x-amzn-ErrorType": rejection.type,
		"x-amzn-RequestId": crypto.randomUUID(),
	});
	res.end(body);
}

function log(fields) {
	console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

function forward(req, res, headers, body, upstream, started, target) {
	const outHeaders = [];
	for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
		const name = req.rawHeaders[i].toLowerCase();
		if (!HOP_BY_HOP.has(name) && name !== "content-length") outHeaders.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
	}
	outHeaders.push("Content-Length", String(body.length));
	const up = http.request({
		host: upstream.url.hostname.replace(/^\[|\]$/g, ""),
		port: upstream.url.port,
		method: req.method,
		path: req.url,
		headers: outHeaders,
		agent: upstreamAgent,
	}, (upRes) => {
		const back = [];
		for (let i = 0; i + 1 < upRes.rawHeaders.length; i += 2) {
			if (!HOP_BY_HOP.has(upRes.rawHeaders[i].toLowerCase())) back.push(upRes.rawHeaders[i], upRes.rawHeaders[i + 1]);
		}
		res.writeHead(upRes.statusCode, upRes.statusMessage, back);
		if (secretsOut && target === "AmazonSQS.ReceiveMessage") {
			const parts = [];
			upRes.on("data", (c) => parts.push(c));
			upRes.on("end", () => noteReceiptHandles(Buffer.concat(parts).toString("utf8")));
		}
		upRes.pipe(res);
		upRes.on("end", () => log({ method: req.method, target, upstream: upstream.name, status: upRes.statusCode,
			ms: Date.now() - started }));
	});
	up.on("error", (e) => {
		log({ method: req.method, target, upstream: upstream.name, error: e.code ?? e.message });
		if (!res.headersSent) {
			reject(res, new Rejection(502, "ServiceUnavailable", `verifying-proxy: ${upstream.name} is unreachable`));
		} else {
			res.destroy();
		}
	});
	// A client that gives up (a long poll cut short) takes its upstream request with it.
	res.on("close", () => {
		if (!res.writableFinished) up.destroy();
	});
	up.end(body);
}

const server = http.createServer((req, res) => {
	const started = Date.now();
	const chunks = [];
	let size = 0, tooBig = false;
	req.on("data", (chunk) => {
		size += chunk.length;
		if (size > MAX_BODY_BYTES) tooBig = true;
		else chunks.push(chunk);
	});
	req.on("end", async () => {
		const headers = headerMap(req.rawHeaders);
		const target = headers.get("x-amz-target");
		if (tooBig) {
			reject(res, new Rejection(413, "RequestEntityTooLarge", "Request body too large"));
			log({ method: req.method, target, status: 413 });
			return;
		}
		const body = Buffer.concat(chunks);
		noteSecret(/Signature=([0-9a-f]{64})/.exec(headers.get("authorization") ?? "")?.[1]);
		noteSecret(headers.get("x-amz-security-token"));
		try {
			const auth = await verify(req, headers, body);
			const upstream = upstreamFor(target, auth.service);
			if (upstream.name !== auth.service)
				throw invalidSignature(`scope service ${auth.service} for ${upstream.name}`,
					`Credential should be scoped to correct service: '${upstream.name}'. `);
			forward(req, res, headers, body, upstream, started, target);
		} catch (e) {
			if (!(e instanceof Rejection)) {
				log({ method: req.method, target, status: 500, error: String(e?.message ?? e) });
				reject(res, new Rejection(500, "InternalFailure", "verifying-proxy internal error"));
				return;
			}
			log({ method: req.method, target, status: e.status, rejected: e.type, reason: e.reason });
			reject(res, e);
		}
	});
	req.on("error", () => res.destroy());
});
server.requestTimeout = 0; // long polls (ReceiveMessage WaitTimeSeconds=20) must not be cut
server.keepAliveTimeout = 60_000;
server.on("clientError", (err, socket) => socket.destroy());
server.listen(opts.port, HOST, () => {
	const address = server.address();
	if (address.address !== HOST) {
		console.error(`verifying-proxy: listening on ${address.address}, not ${HOST}`);
		process.exit(1);
	}
	const ups = ["dynamodb", "sqs"].filter((n) => opts[n]).map((n) => `${n}=${opts[n].host}`).join(" ");
	console.log(`verifying-proxy listening on ${HOST}:${address.port} (${ups})`);
});
// SIGTERM and SIGINT keep their default action: the proxy holds no state, so it just ends.
