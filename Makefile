# Lambda packaging; the C build itself is meson's (see README.md). docs/deploy.md explains it all.
#   make dist          dist/{process-cart-products,update-cart-status}-{x86_64,arm64}.zip
#   make check-dist    dist, then unpack each zip and run its bootstrap (test/package/)
#   sam build          runs build-<LogicalId> below with ARTIFACTS_DIR set
# sam build does not pass the function's architecture: ARCH must match the template's
# Architecture parameter, as in `ARCH=x86_64 sam build --parameter-overrides Architecture=x86_64`.
# Unset, it is samconfig.toml's Architecture, else arm64 (the template's default).
ROOT := $(patsubst %/,%,$(dir $(realpath $(lastword $(MAKEFILE_LIST)))))
PACKAGE := $(ROOT)/tools/package
ARCH ?= $(shell $(PACKAGE)/sam-arch.sh)
DIST_ARCHS ?= x86_64 arm64
ARTIFACTS = $(or $(ARTIFACTS_DIR),$(error ARTIFACTS_DIR is not set (sam build sets it)))

.PHONY: dist check-dist build-ProcessCartProductsFunction build-UpdateCartStatusFunction
dist:
	$(PACKAGE)/dist.sh $(DIST_ARCHS)
check-dist: dist
	$(ROOT)/test/package/check_bootstrap_zip.sh $(foreach a,$(DIST_ARCHS),$(ROOT)/dist/*-$(a).zip)

# sam build runs these from a scratch copy of the tree; the build caches stay in $(ROOT).
build-ProcessCartProductsFunction:
	$(PACKAGE)/build-bootstrap.sh $(ARCH) process-cart-products "$(ARTIFACTS)/bootstrap"
build-UpdateCartStatusFunction:
	$(PACKAGE)/build-bootstrap.sh $(ARCH) update-cart-status "$(ARTIFACTS)/bootstrap"
