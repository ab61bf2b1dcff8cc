# The README's interface (DESIGN.md section 6). Every target sets itself up on first use.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
STACK := stack/stack.sh
SPECS := '{domain,streams,gateway,schemas,connectors,stack,test}/**/*.spec.ts'

.PHONY: help setup dev test test-unit lint typecheck check \
        stack-up stack-down stack-status stack-env stack-reset

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

setup: ## install Debian and npm packages, fetch and build the stack (quick when done before)
	@stack/setup.sh

dev: setup ## run the whole system in the foreground with its logs; Ctrl-C stops it
	@stack/dev.sh

test: setup check ## start the stack if needed, run every test, stop what was started
	@stack/with-stack.sh npx mocha $(SPECS)

test-unit: ## only the tests that need no stack (quick)
	@npx mocha $(subst .spec.ts,.unit.spec.ts,$(SPECS))

check: lint typecheck ## static checks

lint: ## ESLint, shellcheck and yamllint
	@npx eslint .
	@shellcheck -x stack/*.sh stack/components/*.sh .ci/run
	@yamllint -s -d relaxed .

typecheck: ## TypeScript in strict mode
	@npx tsc -p tsconfig.json

stack-up: setup ## start the local stack in the background and wait until it is healthy
	@$(STACK) up

stack-down: ## stop the local stack cleanly, keeping its data
	@$(STACK) down

stack-status: ## one line per stack component
	@$(STACK) status

stack-env: ## the stack's addresses as KEY=VALUE
	@$(STACK) env

stack-reset: ## stop the stack and wipe its data
	@$(STACK) reset
