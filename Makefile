# The README's interface (DESIGN.md section 6). Every target sets itself up on first use.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
STACK := stack/stack.sh
SPECS := '{domain,streams,gateway,bridge,web,schemas,connectors,stack,test}/**/*.spec.ts'

.PHONY: help setup dev test test-unit lint typecheck check up down status token \
        stack-up stack-down stack-status stack-env stack-reset schemas-check schemas-register views-rebuild \
        bench bench-gateway bench-views bench-query bench-bridge bench-scheduler

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

setup: ## install Debian and npm packages, fetch and build the stack (quick when done before)
	@stack/setup.sh

dev: setup ## run the whole system in the foreground with its logs; Ctrl-C stops it
	@stack/dev.sh

test: setup check ## start the stack if needed, run every test, stop what was started
	@stack/with-stack.sh bash -c "node bin/todo-schemas.mjs check && npx mocha $(SPECS)"

test-unit: ## only the tests that need no stack (quick)
	@npx mocha $(subst .spec.ts,.unit.spec.ts,$(SPECS))

check: lint typecheck ## static checks

lint: ## ESLint, shellcheck and yamllint
	@npx eslint .
	@shellcheck -x stack/*.sh stack/components/*.sh .ci/run
	@yamllint -s .

typecheck: ## TypeScript in strict mode
	@npx tsc -p tsconfig.json
	@npx tsc -p web/tsconfig.json

up: setup ## the stack and every service in the background, waiting until all are ready
	@$(STACK) up
	@stack/services.sh up

down: ## stop every service and the stack, cleanly
	@stack/services.sh down
	@$(STACK) down

status: ## one line per stack component and service
	@$(STACK) status
	@stack/services.sh status

token: ## a dev JWT for USER=<id> (signed with JWT_SECRET)
	@node --import tsx gateway/token.ts "$(or $(USER_ID),$(USER))"

schemas-check: ## check every local schema against the registry (exit 1 on an incompatible change)
	@stack/with-stack.sh node bin/todo-schemas.mjs check

schemas-register: ## check, register the schemas and create the topics
	@stack/with-stack.sh node bin/todo-schemas.mjs register

views-rebuild: ## rebuild the task views from task-events into a fresh collection and swap it in
	@stack/with-stack.sh node --import tsx streams/processors/task-view/rebuild.ts

bench: bench-gateway bench-views bench-query bench-bridge bench-scheduler ## every benchmark, each measured beside its baseline in one run

bench-gateway: setup ## bare Koa vs raw producer vs the gateway's write endpoint
	@stack/with-stack.sh node --import tsx bench/gateway.bench.ts

bench-views: setup ## view materialization beside a raw bulk upsert
	@stack/with-stack.sh node --import tsx bench/views.bench.ts

bench-query: setup ## 10,000 tasks: search + filters + sort via HTTP beside the driver
	@stack/with-stack.sh node --import tsx bench/query.bench.ts

bench-bridge: setup ## 100 and 10,000 sockets at 1,000 changes/s: latency beside a bare consumer, bridge memory
	@stack/with-stack.sh node --import tsx bench/bridge.bench.ts

bench-scheduler: setup ## 100,000 pending timers: lateness while 1,000/s fall due, restore time
	@stack/with-stack.sh node --import tsx bench/scheduler.bench.ts

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
