// A tiny HTTPS stand-in for DynamoDB, for check_tls.sh: answers every POST with 200 and a JSON body.
//   node https-server.mjs KEY.pem CERT.pem
// Listens on 127.0.0.1 (ephemeral port), prints "https-server listening on 127.0.0.1:PORT", and counts
// the requests it answered in its log ("answered N") when it gets SIGTERM.
import fs from "node:fs";
import https from "node:https";

const [keyFile, certFile] = process.argv.slice(2);
let answered = 0;
const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }, (req, res) => {
	req.resume();
	req.on("end", () => {
		answered++;
		res.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" });
		res.end('{"Attributes":{"cartProductStatus":{"S":"ORDERED"}}}');
	});
});
server.listen(0, "127.0.0.1", () => console.log(`https-server listening on 127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => {
	console.log(`answered ${answered}`);
	process.exit(0);
});
