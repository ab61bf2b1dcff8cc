# The README's interface (DESIGN.md section 6). Every target sets itself up on first use.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
STACK := stack/stack.sh
SPECS := '{domain,platform,contracts,views,streams,gateway,bridge,web,schemas,connectors,stack,test,grafana,strimzi}/**/*.spec.ts'

.PHONY: help setup dev test test-unit lint typecheck check up down status token \
        stack-up stack-down stack-status stack-env stack-reset schemas-check schemas-register views-rebuild \
        bench bench-gateway bench-views bench-query bench-bridge bench-scheduler bench-stores bench-capacity bench-explain dashboards \
        deploy undeploy deploy-check chaos chaos-smoke openapi-lint

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

setup: ## install Debian and npm packages, fetch and build the stack (quick when done before)
	@stack/setup.sh

dev: setup ## run the whole system in the foreground with its logs; Ctrl-C stops it
	@stack/dev.sh

test: setup check deploy-check ## start the stack if needed, run every test, stop what was started
	@stack/with-stack.sh bash -c "node bin/todo-schemas.mjs check && npx mocha $(SPECS)"

test-unit: ## only the tests that need no stack (quick)
	@npx mocha $(subst .spec.ts,.unit.spec.ts,$(SPECS))

check: lint typecheck openapi-lint ## static checks

lint: ## ESLint, shellcheck and yamllint
	@npx eslint .
	@shellcheck -x stack/*.sh stack/components/*.sh .ci/run bin/*.sh strimzi/*.sh strimzi/check/*.sh
	@yamllint -s .

openapi-lint: ## lint /openapi.json as the gateway serves it (Redocly, redocly.yaml; no stack needed)
	@mkdir -p .stack/openapi
	@npx tsx gateway/openapi-print.ts >.stack/openapi/openapi.json
	@npx redocly lint --config redocly.yaml .stack/openapi/openapi.json

typecheck: ## TypeScript in strict mode
	@npx tsc -p tsconfig.json
	@npx tsc -p web/tsconfig.json

up: setup ## the stack and every service in the background, waiting until all are ready
	@$(STACK) up
	@stack/services.sh up
	@$(STACK) env | sed -n 's|^PROMETHEUS_URL=\(.*\)|[stack] Prometheus: \1 (alerts: \1/alerts; dashboards to load: grafana/README.md)|p'

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

bench: bench-gateway bench-views bench-query bench-bridge bench-scheduler bench-stores ## every benchmark, each measured beside its baseline in one run

bench-gateway: setup ## bare Koa vs raw producer vs the gateway's write endpoint
	@stack/with-stack.sh node --import tsx bench/gateway.bench.ts

bench-views: setup ## view materialization beside a raw bulk upsert
	@stack/with-stack.sh node --import tsx bench/views.bench.ts

bench-query: setup ## 10,000 tasks: search + filters + sort via HTTP beside the driver
	@stack/with-stack.sh node --import tsx bench/query.bench.ts

bench-bridge: setup ## 100 and 10,000 sockets at 1,000 changes/s: latency beside a bare consumer, bridge memory
	@stack/with-stack.sh node --import tsx bench/bridge.bench.ts

bench-scheduler: setup ## 100,000 pending timers (PENDING=, STREAMS_STORE=memory|disk): lateness while 1,000/s fall due, restore time, memory
	@stack/with-stack.sh node --expose-gc --import tsx bench/scheduler.bench.ts $(or $(PENDING),100000)

bench-stores: ## bytes per entry of every state store, in memory and on disk (no stack needed)
	@node --expose-gc --import tsx bench/stores.bench.ts

bench-explain: setup ## what FerretDB pushes down into PostgreSQL for the view's query shapes, their plans and timings
	@stack/with-stack.sh node --import tsx bench/ferretdb-explain.ts $(or $(TASKS),2000)

bench-capacity: setup ## users one machine serves within the service levels, CPU per process (CAPACITY=steps|growth|partitions|scale)
	@stack/with-stack.sh node --import tsx bench/capacity.bench.ts $(or $(CAPACITY),steps)

dashboards: ## regenerate grafana/provisioning/dashboards/json/ (and the schema) from grafana/dashboards/*.ts
	@npm run -s dashboards

chaos: setup ## fault injection on a 3-broker cluster with the real services, checked independently (12-40 min)
	@node --import tsx test/chaos/main.ts

chaos-smoke: setup ## the chaos suite's smoke alone: one broker kill (3-5 min; make test runs it too)
	@stack/with-stack.sh npx mocha test/chaos/smoke.int.spec.ts

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

deploy: ## apply strimzi/overlays/$(OVERLAY) to CONTEXT=<kube context> in dependency order (OVERLAY=local|production, IMAGE=, TAG=)
	@CONTEXT="$(CONTEXT)" OVERLAY="$(or $(OVERLAY),local)" IMAGE="$(IMAGE)" TAG="$(TAG)" strimzi/deploy.sh deploy

undeploy: ## remove what make deploy applied from CONTEXT=<kube context>
	@CONTEXT="$(CONTEXT)" OVERLAY="$(or $(OVERLAY),local)" strimzi/deploy.sh undeploy

deploy-check: ## every manifest checked offline: kubeconform -strict (Strimzi CRDs), kube-score, negative fixtures, yamllint, hadolint, actionlint
	@strimzi/check/deploy-check.sh
