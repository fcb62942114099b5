/* A recording transport for local dry runs: prints each AWS request, answers as AWS does on success. */
#ifndef CF_DRY_RUN_H
#define CF_DRY_RUN_H

#include <stdio.h>

#include "cartflow/fake_transport.h"

/*
 * Make `fake` (borrowed) a dry-run peer: each request becomes one line on `out` (borrowed),
 * {"service":"sqs"|"dynamodb","target":"<X-Amz-Target>","body":<request JSON>}, and is answered
 * like a successful SendMessageBatch (every entry Successful) or UpdateItem (UPDATED_NEW attributes).
 */
void cf_dry_run_attach(struct cf_fake_transport *fake, FILE *out);

#endif
