// Builds the events and request bodies check_pipeline.sh needs, from the fixtures in test/data/orders.
//
//   node make.mjs stream3 STREAM_EVENT
//       the event's first record (an ORDERED INSERT), then a REMOVE of another order, then an ORDERED
//       INSERT of a third order; SequenceNumbers ...001, ...002, ...003
//   node make.mjs send-batch BODY QUEUE_URL ORDER:USER:PRODUCT[+PRODUCT...] ...
//       a SendMessageBatch request with one message per order (Id m0, m1, ...): BODY (a NewImage, as
//       process-cart-products sends it) with the order id, the user id and the order items replaced
import { readFileSync } from "node:fs";

const [what, file, ...rest] = process.argv.slice(2);
const read = (f) => JSON.parse(readFileSync(f, "utf8"));

// The NewImage of `base` for another order, user and products (typed JSON, member order kept).
function order(base, orderId, userId, products) {
	const item = base.order_items.L[0].M;
	return {
		...base,
		PK: { S: `USER#${userId}` },
		SK: { S: `ORDER#${orderId}` },
		GSI1PK: { S: `ORDER#${orderId}` },
		GSI1SK: { S: `USER#${userId}` },
		order_id: { S: orderId },
		user_id: { S: userId },
		order_items: { L: products.map((p) => ({ M: { ...item, productId: { S: p }, userId: { S: userId } } })) },
	};
}

let out;
if (what === "stream3") {
	const event = read(file);
	const first = event.Records[0];
	const image = first.dynamodb.NewImage;
	const seq = (n) => `1111000000000000000000${String(n).padStart(2, "0")}`;
	const record = (n, eventName, orderId, images) => ({
		...first,
		eventID: `pipeline-${n}`,
		eventName,
		dynamodb: {
			ApproximateCreationDateTime: first.dynamodb.ApproximateCreationDateTime,
			Keys: { PK: image.PK, SK: { S: `ORDER#${orderId}` } },
			...images,
			SequenceNumber: seq(n),
			SizeBytes: first.dynamodb.SizeBytes,
			StreamViewType: first.dynamodb.StreamViewType,
		},
	});
	const removed = order(image, "o-1002", image.user_id.S, ["p-1"]);
	out = { Records: [
		{ ...first, dynamodb: { ...first.dynamodb, SequenceNumber: seq(1) } },
		record(2, "REMOVE", "o-1002", { OldImage: removed }),
		record(3, "INSERT", "o-1003", { NewImage: order(image, "o-1003", image.user_id.S, ["p-3"]) }),
	] };
} else if (what === "send-batch") {
	const base = read(file);
	const [queueUrl, ...orders] = rest;
	out = {
		QueueUrl: queueUrl,
		Entries: orders.map((spec, i) => {
			const [orderId, userId, products] = spec.split(":");
			return { Id: `m${i}`, MessageBody: JSON.stringify(order(base, orderId, userId, products.split("+"))) };
		}),
	};
} else {
	console.error("usage: make.mjs stream3 STREAM_EVENT | send-batch BODY QUEUE_URL ORDER:USER:PRODUCT[+PRODUCT...] ...");
	process.exit(2);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
