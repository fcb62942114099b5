"""The existing system's process-cart-products, in Python with boto3 (the benchmarks' reference).

For every INSERT record of the DynamoDB stream batch, one sqs.send_message per order item, the
MessageBody being the JSON of that item as the stream carries it ({"M": {...}}), sequentially.
Env: UPDATE_CART_PRODUCT_SQS (queue URL), AWS_REGION, credentials, AWS_ENDPOINT_URL (optional; read
here because Debian's botocore 1.29 predates its support of that variable).
"""
import json
import os

import boto3

sqs = boto3.client("sqs", endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None)
QUEUE_URL = os.environ["UPDATE_CART_PRODUCT_SQS"]


def handler(event, context):
    for record in event["Records"]:
        if record["eventName"] != "INSERT":
            continue
        for item in record["dynamodb"]["NewImage"]["order_items"]["L"]:
            sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(item))
