/* The process-cart-products bootstrap: DynamoDB stream -> SQS. All logic lives in libcartflow. */
#include <cartflow/handler.h>

int main(int argc, char **argv)
{
	return cf_lambda_main(argc, argv, "process-cart-products", cf_process_cart_products_new);
}
