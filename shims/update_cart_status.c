/* The update-cart-status bootstrap: SQS -> DynamoDB UpdateItem. All logic lives in libcartflow. */
#include <cartflow/handler.h>

int main(int argc, char **argv)
{
	return cf_lambda_main(argc, argv, "update-cart-status", cf_update_cart_status_new);
}
