/* The forward rule: which stream records become SQS messages. */
#include "cartflow/forward.h"

static const char ORDERED[] = "ORDERED";

static bool status_is_ordered(const struct cf_attr *image)
{
	const struct cf_attr *s = cf_attr_get(image, "order_status");
	return s && s->type == CF_ATTR_S && cf_str_eq(s->v.text, ORDERED);
}

CF_API enum cf_forward_decision cf_forward_decide(const struct cf_stream_record *rec)
{
	switch (rec->name) {
	case CF_STREAM_REMOVE:
		return CF_SKIP_REMOVE;
	case CF_STREAM_UNKNOWN:
		return CF_SKIP_UNKNOWN_EVENT;
	case CF_STREAM_INSERT:
	case CF_STREAM_MODIFY:
		break;
	}
	if (!rec->new_image)
		return CF_SKIP_NO_NEW_IMAGE;
	if (!status_is_ordered(rec->new_image))
		return CF_SKIP_NOT_ORDERED;
	if (rec->name == CF_STREAM_INSERT)
		return CF_FORWARD;
	if (!rec->old_image)
		return CF_SKIP_NO_OLD_IMAGE;
	return status_is_ordered(rec->old_image) ? CF_SKIP_ALREADY_ORDERED : CF_FORWARD;
}

CF_API const char *cf_forward_decision_name(enum cf_forward_decision decision)
{
	switch (decision) {
	case CF_FORWARD: return "forward";
	case CF_SKIP_REMOVE: return "skip: REMOVE";
	case CF_SKIP_NO_NEW_IMAGE: return "skip: no NewImage";
	case CF_SKIP_NOT_ORDERED: return "skip: order_status is not ORDERED";
	case CF_SKIP_NO_OLD_IMAGE: return "skip: MODIFY without OldImage";
	case CF_SKIP_ALREADY_ORDERED: return "skip: already ORDERED before";
	case CF_SKIP_UNKNOWN_EVENT: return "skip: unknown eventName";
	}
	return "unknown decision";
}
