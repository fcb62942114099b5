"""The existing system's update-cart-status, in Python with boto3 (the benchmarks' reference).

For every SQS record: parse the body as an order in plain JSON (what the boto3 resource layer
reads and writes: {"order_id": "o-1", "user_id": "u-1", ..., "order_items": [{"productId": "p-1",
"userId": "u-1", "quantity": 2, ...}]}) and call table.update_item once per order item, sequentially,
with the same key, condition and update as libcartflow (PK=USER#<userId>, SK=PRODUCT#<productId>,
attribute_exists(PK), SET cartProductStatus = "ORDERED"); a message whose parse or any update fails
is reported in batchItemFailures.
Note: this consumer cannot read what the reference producer sends (one typed order item per message),
so the benchmarks feed it bodies of the form above; see tools/bench/reference/README.md.
Env: TABLE_NAME, AWS_REGION, credentials, AWS_ENDPOINT_URL (optional).
"""
import json
import os

import boto3

table = boto3.resource("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None).Table(
    os.environ["TABLE_NAME"])


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            for item in order["order_items"]:
                table.update_item(
                    Key={"PK": f"USER#{item['userId']}", "SK": f"PRODUCT#{item['productId']}"},
                    ConditionExpression="attribute_exists(PK)",
                    UpdateExpression="SET cartProductStatus = :cartProductStatus",
                    ExpressionAttributeValues={":cartProductStatus": "ORDERED"},
                    ReturnValues="UPDATED_NEW",
                )
        except Exception:  # noqa: BLE001 - any failure: SQS retries the message
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
