// A tiny signing client for the AWS JSON protocols (DynamoDB, DynamoDB Streams, SQS), for scripts.
//
//   node aws-call.mjs TARGET [BODY]     e.g. node aws-call.mjs DynamoDB_20120810.ListTables '{}'
//
// BODY is JSON text, @FILE, or absent for {}. Signs with SigV4 (@smithy/signature-v4) using
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional) and AWS_REGION, and POSTs to
// AWS_ENDPOINT_URL. Prints the response body on stdout and "HTTP <status>" on stderr. Exit status:
// 0 for a 2xx answer, 1 for any other answer, 2 for a usage or connection error.
// For testing a verifier: AWS_CALL_DATE=YYYYMMDDTHHMMSSZ signs with that date instead of now;
// AWS_CALL_TAMPER=1 sends a body one space longer than the one it signed.
// AWS_CALL_HEADERS=1 also prints the response headers on stderr.
import { readFileSync } from "node:fs";
import http from "node:http";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

function fail(message) {
	console.error(`aws-call: ${message}`);
	process.exit(2);
}

const [target, bodyArg] = process.argv.slice(2);
if (!target || !target.includes(".")) fail("usage: aws-call.mjs TARGET [JSON|@FILE]");
const body = bodyArg === undefined ? "{}" : bodyArg.startsWith("@") ? readFileSync(bodyArg.slice(1)) : bodyArg;
const env = process.env;
for (const name of ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) {
	if (!env[name]) fail(`${name} is not set`);
}
const endpoint = new URL(env.AWS_ENDPOINT_URL);
if (endpoint.protocol !== "http:") fail("only http endpoints (local peers) are supported");
const service = target.startsWith("AmazonSQS.") ? "sqs" : "dynamodb";
let signingDate = new Date();
if (env.AWS_CALL_DATE) {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(env.AWS_CALL_DATE);
	if (!m) fail("AWS_CALL_DATE must look like 20240101T000000Z");
	signingDate = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

const signer = new SignatureV4({
	credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
		sessionToken: env.AWS_SESSION_TOKEN || undefined },
	region: env.AWS_REGION,
	service,
	sha256: Hash.bind(null, "sha256"),
	applyChecksum: false,
});
const signed = await signer.sign({
	method: "POST",
	protocol: "http:",
	hostname: endpoint.hostname,
	port: endpoint.port ? Number(endpoint.port) : undefined,
	path: endpoint.pathname || "/",
	query: {},
	headers: {
		host: endpoint.host,
		"content-type": "application/x-amz-json-1.0",
		"x-amz-target": target,
	},
	body,
}, { signingDate });

const sent = env.AWS_CALL_TAMPER === "1" ? `${body} ` : body;
const req = http.request({
	host: endpoint.hostname,
	port: endpoint.port || 80,
	method: "POST",
	path: endpoint.pathname || "/",
	headers: { ...signed.headers, "content-length": Buffer.byteLength(sent) },
}, (res) => {
	const chunks = [];
	res.on("data", (c) => chunks.push(c));
	res.on("end", () => {
		process.stdout.write(Buffer.concat(chunks));
		process.stdout.write("\n");
		console.error(`HTTP ${res.statusCode}`);
		if (env.AWS_CALL_HEADERS === "1") {
			for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) console.error(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
		}
		process.exitCode = res.statusCode >= 200 && res.statusCode < 300 ? 0 : 1;
	});
});
req.on("error", (e) => fail(`${endpoint.host}: ${e.code ?? e.message}`));
req.end(sent);
