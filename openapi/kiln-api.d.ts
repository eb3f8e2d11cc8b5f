export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process serves requests */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics (text exposition format)
         * @description The process's own (CPU, memory, event loop, `http_request_duration_seconds`), and training's: `kiln_job_samples_per_second` and `kiln_job_step_seconds` (per `job_id`, for the jobs this process trains now), `kiln_job_duration_seconds` (by final `status`) and `kiln_jobs_failed_total` (by error `code`) for the jobs this process ended, `kiln_jobs_running` in this process, and, for the whole queue (the same from every process when it is shared), `kiln_queue_jobs` (by `state`) and `kiln_trainers_connected`. Each HELP line says whether a series is this process's (sum them across processes) or the queue's. A scrape reads no stored record.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This API's OpenAPI 3.1 document */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: the store and every other dependency answer
         * @description `ok` when the store, the job queue and every other dependency answer. `degraded` (still 200, so that load balancers keep sending this process requests: it serves every route) when a dependency answers but something is missing: an API-only process (`KILN_WORKERS=0`) that sees no trainer connected to the shared queue accepts jobs, which wait until one connects; `details` say which. 503 when a dependency does not answer.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List datasets, oldest first */
        get: operations["listDatasets"];
        put?: never;
        /** Upload a dataset as JSON, CSV (a header row), a safetensors file (`features` and `labels` tensors) or a NumPy .npz (`features` and `labels`, or `x` and `y`; an octet-stream body that is a zip is read as .npz). U8 features stay uint8 (images: the model starts with ConvertImageDtype); other integer and float types become float32 */
        post: operations["createDataset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a dataset's description */
        get: operations["getDataset"];
        put?: never;
        post?: never;
        /** Delete a dataset (not while a queued or running job uses it) */
        delete: operations["deleteDataset"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{id}/rows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A few samples of a dataset, from `offset`: their features and labels */
        get: operations["getDatasetRows"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List jobs, oldest first */
        get: operations["listJobs"];
        put?: never;
        /**
         * Train a model on a dataset
         * @description Without `seed`, a job continues the model's random-number stream, so a model created with seed S trains exactly as `torch.manual_seed(S); model = NeuralNetwork(...); DataLoader(...)` does; with `seed`, the job calls `manual_seed(seed)` first.
         */
        post: operations["createJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a job: status, progress, metrics */
        get: operations["getJob"];
        put?: never;
        post?: never;
        /**
         * Delete an ended job with its events and checkpoint (cancel a queued or running one first)
         * @description The model version the job made stays with its model (its `job_id` still names the job); GET /v1/jobs/{id}/weights then answers 404. The job's Idempotency-Key is freed: a POST retried with it creates a new job.
         */
        delete: operations["deleteJob"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a job: a queued job at once, a running one within one step */
        post: operations["cancelJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Stream a job's events (text/event-stream), replayed from the first, then live
         * @description `progress` for every optimizer step (`step`, `epoch`, `batch`, `loss`), `epoch` with each epoch's metrics (an item of the job's `metrics.epochs`: `lr`, `train_loss`, ...), `status` on every change, and a last `done` with the final job, after which the stream ends. Each event's data is a JSON object whose `type` is the event's name (ProgressEvent, EpochEvent, StatusEvent, DoneEvent). Event ids count from 1; send `Last-Event-ID` (or `?last_event_id=`) to resume after one. Ids skip the `progress` events that retention deleted. The replay goes at the client's pace; a client that takes nothing for 30 s, or lets 1 MiB wait for it, is disconnected (it resumes with `Last-Event-ID`).
         */
        get: operations["streamJobEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/weights": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download the weights a succeeded job made: JSON, safetensors or ONNX, as GET /v1/models/{id}/weights
         * @description The model's version the job made (GET /v1/models/{id}/versions), whichever version the model holds now; they go with the model when it is deleted.
         */
        get: operations["getJobWeights"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List API keys, oldest first, revoked ones too: an admin key its tenant's, the operator key all or one tenant's */
        get: operations["listKeys"];
        put?: never;
        /**
         * Create an API key: the response holds the key, once
         * @description An admin key creates keys in its own tenant; the operator key names the tenant with `tenant_id`.
         */
        post: operations["createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key: refused from the next request on, in every process */
        delete: operations["revokeKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List models, oldest first */
        get: operations["listModels"];
        put?: never;
        /**
         * Create a model from a list of PyTorch layers
         * @description With `seed`, the initial weights are PyTorch's after `torch.manual_seed(seed)`.
         */
        post: operations["createModel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a model */
        get: operations["getModel"];
        put?: never;
        post?: never;
        /** Delete a model (not while a queued or running job uses it) */
        delete: operations["deleteModel"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run the model on a batch of inputs (eval mode, no gradients), as JSON or a safetensors file
         * @description The batch is JSON `{"inputs": [...]}` (nested arrays [B, ...input_shape]) or, with `Content-Type: application/octet-stream`, a safetensors file holding one tensor, `inputs`, of shape [B, ...input_shape] (1 ≤ B ≤ 10,000). Its dtypes are datasets': U8 stays uint8; I8, I16, I32, I64, U16, U32, U64, F16, BF16 and F64 become float32 exactly (integers past 2^24 refused), and NaN or infinities are refused. A model starting with ConvertImageDtype takes images of bytes only: U8 (JSON: integers 0 to 255), never floats, though torchvision's ConvertImageDtype would pass floats through, so that JSON and safetensors inputs mean the same; any other model takes floats, and U8 inputs get a 422 saying to add ConvertImageDtype. For class scores (output_shape [k], k > 1) the answer adds `probabilities`, softmax(outputs) over the last dimension, and `predictions`; the limit on numbers per response counts outputs and probabilities.
         */
        post: operations["predict"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the model's versions of its weights, oldest first
         * @description Each succeeded job keeps the weights it made as the model's newest version, and so does each PUT of its weights; `after` is a version number. A model holds the newest unless one was restored (`current`).
         */
        get: operations["listModelVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}/versions/{version}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Make a version's weights the model's current weights
         * @description The model then holds that version's weights and the generator state it had when they were made (a job without a seed continues from there); no version is added. A job already queued or running trains from the weights it started with, and its success makes a newer version, current.
         */
        post: operations["restoreModelVersion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}/weights": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download the weights as JSON, as a safetensors file with `Accept: application/octet-stream`, or the whole model as ONNX with `Accept: application/onnx`
         * @description Parameters and buffers by PyTorch's state-dict keys, each with its dtype (float32; int64 for BatchNorm's num_batches_tracked). The safetensors file (F32 and I64, `__metadata__.format = "pt"`) loads into the seed's NeuralNetwork with `safetensors.torch.load_file` and `load_state_dict`. The ONNX model (IR version 8, opset 17) computes what `/predict` computes (eval mode) for a batch of any size: input `inputs` [batch, ...input_shape] (uint8 for a model starting with ConvertImageDtype, float32 otherwise), output `outputs`; its initializers are named by the state-dict keys (num_batches_tracked, used in training only, left out). These are the weights the model holds now: its current version (GET /v1/models/{id}/versions).
         */
        get: operations["getModelWeights"];
        /**
         * Replace the weights, from JSON or a safetensors file; every key, shape and dtype must match
         * @description The weights are kept as the model's newest version (made by no job), which counts against the tenant's bytes quota.
         */
        put: operations["putModelWeights"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List tenants, oldest first (operator key only) */
        get: operations["listTenants"];
        put?: never;
        /** Create a tenant (operator key only); a name that exists answers 200 with that tenant */
        post: operations["createTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{id}/quotas": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A tenant's quota limits: its own where the operator set them, else the service's defaults (operator key only) */
        get: operations["getTenantQuotas"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Set or clear (null) some of a tenant's quota limits; the others stay as they are (operator key only) */
        patch: operations["updateTenantQuotas"];
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's use of each of its quotas, and their limits */
        get: operations["getUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Every 4xx and 5xx response has this body. */
        ApiError: {
            error: {
                /** @enum {string} */
                code: "validation_error" | "malformed_json" | "bad_request" | "unauthorized" | "forbidden" | "quota_exceeded" | "not_found" | "request_timeout" | "model_in_use" | "dataset_in_use" | "job_active" | "idempotency_conflict" | "version_conflict" | "job_not_active" | "job_not_succeeded" | "payload_too_large" | "unsupported_media_type" | "unprocessable" | "queue_full" | "rate_limited" | "headers_too_large" | "internal" | "unavailable" | "too_many_connections" | "too_many_streams";
                message: string;
                details?: {
                    path: string;
                    message: string;
                }[];
            };
        };
        ApiKey: {
            id: string;
            /** @description The key's public part: the key reads kiln_<prefix>_<secret>. */
            prefix: string;
            /** @enum {string} */
            role: "admin" | "member" | "read";
            name: string | null;
            tenant_id: string;
            created_at: string;
            expires_at: string | null;
            revoked_at: string | null;
            /** @description To within a minute or so: uses are recorded in batches. */
            last_used_at: string | null;
        };
        CreateApiKeyRequest: {
            /**
             * @description admin: everything, its tenant's keys included; member: everything but keys; read: GET only.
             * @enum {string}
             */
            role: "admin" | "member" | "read";
            /** @description A name to recognize the key by. */
            name?: string;
            /**
             * Format: date-time
             * @description When the key stops working (ISO 8601, in the future); never when left out.
             */
            expires_at?: string;
            /** @description The tenant: only the operator key names one (an admin key acts in its own tenant). */
            tenant_id?: string;
        };
        CreateTenantRequest: {
            /** @description Unique: 1 to 64 characters of a-z, 0-9 and -. */
            name: string;
        };
        CreatedApiKey: {
            id: string;
            /** @description The key's public part: the key reads kiln_<prefix>_<secret>. */
            prefix: string;
            /** @enum {string} */
            role: "admin" | "member" | "read";
            name: string | null;
            tenant_id: string;
            created_at: string;
            expires_at: string | null;
            revoked_at: string | null;
            /** @description To within a minute or so: uses are recorded in batches. */
            last_used_at: string | null;
            /** @description The key, to send as `Authorization: Bearer <key>`: shown in this response only, and stored nowhere. */
            key: string;
        };
        Dataset: {
            id: string;
            name: string | null;
            num_samples: number;
            /** @description The shape of one sample's features. */
            feature_shape: number[];
            /**
             * @description How the features are stored: float32, or uint8 (images; a model for them starts with ConvertImageDtype).
             * @enum {string}
             */
            feature_dtype: "float32" | "uint8";
            /** @description The shape of one sample's label: [] for class indices or one target. */
            label_shape: number[];
            /**
             * @description int64 for class indices, float32 for regression targets.
             * @enum {string}
             */
            label_dtype: "int64" | "float32";
            /** @description For int64 labels, the largest label + 1. */
            num_classes: number | null;
            created_at: string;
        };
        /** @description The job ended: the job as it ended (as `GET /v1/jobs/{id}` shows it). The stream's last event. */
        DoneEvent: {
            id: string;
            model_id: string;
            dataset_id: string;
            validation_dataset_id: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            /** @description The training spec as accepted, defaults applied. */
            spec: {
                [key: string]: unknown;
            };
            progress: {
                /** @description The epoch in progress (1-based; 0 before the first step). */
                epoch: number;
                epochs: number;
                /** @description Optimizer steps done. */
                step: number;
                total_steps: number;
            };
            metrics: {
                /** @description The last step's loss. */
                loss: number | null;
                /** @description Per finished epoch: its learning rate, train loss, and accuracy and validation figures where they apply. */
                epochs: components["schemas"]["EpochMetrics"][];
            } & {
                [key: string]: unknown;
            };
            error: {
                code: string;
                message: string;
            } | null;
            cancel_requested: boolean;
            created_at: string;
            started_at: string | null;
            finished_at: string | null;
            updated_at: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "done";
        };
        /** @description An epoch ended: its learning rate, losses and accuracies (the item it added to the job's `metrics.epochs`). */
        EpochEvent: {
            epoch: number;
            /** @description The learning rate the epoch was trained with: the optimizer's lr when the epoch began, as the scheduler set it (OneCycleLR changes it after every step: its lr for the epoch's first step). */
            lr: number;
            train_loss: number;
            train_accuracy?: number;
            val_loss?: number;
            val_accuracy?: number;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "epoch";
        };
        EpochMetrics: {
            epoch: number;
            /** @description The learning rate the epoch was trained with: the optimizer's lr when the epoch began, as the scheduler set it (OneCycleLR changes it after every step: its lr for the epoch's first step). */
            lr: number;
            train_loss: number;
            train_accuracy?: number;
            val_loss?: number;
            val_accuracy?: number;
        };
        HealthStatus: {
            /** @constant */
            status: "ok";
        };
        Job: {
            id: string;
            model_id: string;
            dataset_id: string;
            validation_dataset_id: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            /** @description The training spec as accepted, defaults applied. */
            spec: {
                [key: string]: unknown;
            };
            progress: {
                /** @description The epoch in progress (1-based; 0 before the first step). */
                epoch: number;
                epochs: number;
                /** @description Optimizer steps done. */
                step: number;
                total_steps: number;
            };
            metrics: {
                /** @description The last step's loss. */
                loss: number | null;
                /** @description Per finished epoch: its learning rate, train loss, and accuracy and validation figures where they apply. */
                epochs: components["schemas"]["EpochMetrics"][];
            } & {
                [key: string]: unknown;
            };
            error: {
                code: string;
                message: string;
            } | null;
            cancel_requested: boolean;
            created_at: string;
            started_at: string | null;
            finished_at: string | null;
            updated_at: string;
        };
        /** @description An event of a job's stream: the JSON of its `data:` line, `type` being its `event:` name. */
        JobEvent: components["schemas"]["ProgressEvent"] | components["schemas"]["EpochEvent"] | components["schemas"]["StatusEvent"] | components["schemas"]["DoneEvent"];
        Model: {
            id: string;
            name: string | null;
            input_shape: number[];
            /** @description The shape of one sample's output. */
            output_shape: number[];
            /** @description The layers with every argument resolved, their output shapes and parameter counts. */
            layers: ({
                /** @description PyTorch's class name of the layer. */
                type: string;
                /** @description The shape of one sample's output of this layer (no batch dimension). */
                output_shape: number[];
                /** @description The layer's parameter count. */
                num_params: number;
            } & {
                [key: string]: unknown;
            })[];
            num_params: number;
            trainable_params: number;
            /** @description PyTorch's repr of the seed's NeuralNetwork holding these layers in `self.layers`. */
            summary: string;
            /** @description The seed the initial weights were drawn with, if one was given. */
            seed: number | null;
            /** @description Bumped each time the weights change. */
            version: number;
            /** @description The version (GET /v1/models/{id}/versions) whose weights the model holds: the newest, unless one was restored; null while it holds the weights it was created with. */
            current_version: number | null;
            created_at: string;
            updated_at: string;
        };
        /** @description One optimizer step: its loss. */
        ProgressEvent: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "progress";
            /** @description Optimizer steps done, counting from 1. */
            step: number;
            /** @description The epoch the step belongs to (1-based). */
            epoch: number;
            /** @description The batch's index within its epoch (0-based). */
            batch: number;
            /** @description The batch's loss. */
            loss: number;
        };
        /** @description A whole number of requests or seconds */
        RateLimitCount: number;
        ReadinessStatus: {
            /** @enum {string} */
            status: "ok" | "degraded";
            /** @description When degraded: which checks, and why */
            details?: {
                path: string;
                message: string;
            }[];
        };
        /** @description The job's status changed. */
        StatusEvent: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "status";
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
        };
        Tenant: {
            id: string;
            name: string;
            created_at: string;
        };
        TenantQuotas: {
            tenant_id: string;
            /** @description What holds for the tenant: its own limit where set, else the service's default. */
            limits: {
                /** @description Models stored. */
                models: number;
                /** @description Datasets stored. */
                datasets: number;
                /** @description Bytes stored: models' weights and datasets' features and labels. */
                bytes: number;
                /** @description Jobs queued or running at once. */
                queued_jobs: number;
                /** @description Jobs training at once (further ones wait in the queue). */
                running_jobs: number;
                /** @description Event streams open at once, in each process. */
                event_streams: number;
            };
            /** @description The tenant's own limits, set by the operator. */
            overrides: {
                /** @description Models stored. */
                models?: number;
                /** @description Datasets stored. */
                datasets?: number;
                /** @description Bytes stored: models' weights and datasets' features and labels. */
                bytes?: number;
                /** @description Jobs queued or running at once. */
                queued_jobs?: number;
                /** @description Jobs training at once (further ones wait in the queue). */
                running_jobs?: number;
                /** @description Event streams open at once, in each process. */
                event_streams?: number;
            };
        };
        TenantQuotasPatch: {
            /** @description Models stored. null: back to the service's default. */
            models?: number | null;
            /** @description Datasets stored. null: back to the service's default. */
            datasets?: number | null;
            /** @description Bytes stored: models' weights and datasets' features and labels. null: back to the service's default. */
            bytes?: number | null;
            /** @description Jobs queued or running at once. null: back to the service's default. */
            queued_jobs?: number | null;
            /** @description Jobs training at once (further ones wait in the queue). null: back to the service's default. */
            running_jobs?: number | null;
            /** @description Event streams open at once, in each process. null: back to the service's default. */
            event_streams?: number | null;
        };
        Usage: {
            tenant_id: string;
            quotas: {
                /** @description Models stored */
                models: {
                    /** @description Models stored now. */
                    used: number;
                    /** @description The most allowed: past it, 403 quota_exceeded. */
                    limit: number;
                };
                /** @description Datasets stored */
                datasets: {
                    /** @description Datasets stored now. */
                    used: number;
                    /** @description The most allowed: past it, 403 quota_exceeded. */
                    limit: number;
                };
                /** @description Bytes stored: models' weights and datasets' features and labels */
                bytes: {
                    /** @description Bytes stored: models' weights and datasets' features and labels now. */
                    used: number;
                    /** @description The most allowed: past it, 403 quota_exceeded. */
                    limit: number;
                };
                /** @description Jobs queued or running */
                queued_jobs: {
                    /** @description Jobs queued or running now. */
                    used: number;
                    /** @description The most allowed: past it, 403 quota_exceeded. */
                    limit: number;
                };
                /** @description Jobs training (past the limit, further jobs wait in the queue rather than being refused) */
                running_jobs: {
                    /** @description Jobs training (past the limit, further jobs wait in the queue rather than being refused) now. */
                    used: number;
                    /** @description The most allowed: past it, 403 quota_exceeded. */
                    limit: number;
                };
                /** @description Event streams open in the process that answers (each process counts its own) */
                event_streams: {
                    /** @description Event streams open in the process that answers (each process counts its own) now. */
                    used: number;
                    /** @description The most allowed: past it, 403 quota_exceeded. */
                    limit: number;
                };
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready (`ok`), or serving with something missing (`degraded`, naming it in `details`) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadinessStatus"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Not ready (unavailable); details name the failing checks */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listDatasets: {
        parameters: {
            query?: {
                /** @description The most items to return (1 to 500). */
                limit?: number;
                /** @description Continue after this id: the `next_cursor` of the previous page. */
                after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of datasets */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Dataset"][];
                        /** @description Pass as `after` for the next page; null on the last page. */
                        next_cursor: string | null;
                    };
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createDataset: {
        parameters: {
            query?: {
                /** @description A name, for CSV and safetensors uploads (JSON bodies carry `name`). */
                name?: string;
                /** @description CSV only: the header of the label column (default: the last column). */
                label_column?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description A name for the dataset, 1 to 200 characters. */
                    name?: string;
                    /** @description The samples' features, one entry per sample; they are stored as float32. */
                    features: (number[] | number[][] | number[][][] | number[][][][])[];
                    /** @description One label per sample. Integers ≥ 0 in a flat list are class indices (int64, for cross_entropy and nll_loss); other numbers, or one array of k numbers per sample, are float32 targets (regression, binary_cross_entropy_with_logits). */
                    labels: number[] | number[][];
                };
                "text/csv": string;
                "application/octet-stream": string;
                "application/x-npz": string;
            };
        };
        responses: {
            /** @description The dataset */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Dataset"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden), or it would take the tenant past its datasets or bytes quota (quota_exceeded; GET /v1/usage shows each) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body is too large (payload_too_large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body's content type is not accepted (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Valid JSON that does not fit (the details name the field) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The dataset */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Dataset"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description A queued or running job uses it */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getDatasetRows: {
        parameters: {
            query?: {
                /** @description The index of the first sample (from 0). */
                offset?: number;
                /** @description How many samples, 1 to 100 (and at most KILN_MAX_RESPONSE_VALUES numbers in all). */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The samples (none past the dataset's end) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        offset: number;
                        /** @description The dataset's sample count: rows stop there. */
                        num_samples: number;
                        rows: {
                            /** @description The sample's features: nested arrays shaped as the dataset's feature_shape. */
                            features: unknown;
                            /** @description Its label: a number when label_shape is [], else nested arrays of that shape. */
                            label: unknown;
                        }[];
                    };
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description `limit` samples of this dataset hold more numbers than a response may (the details name query.limit) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listJobs: {
        parameters: {
            query?: {
                /** @description The most items to return (1 to 500). */
                limit?: number;
                /** @description Continue after this id: the `next_cursor` of the previous page. */
                after?: string;
                /** @description Only jobs in this status. */
                status?: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Job"][];
                        /** @description Pass as `after` for the next page; null on the last page. */
                        next_cursor: string | null;
                    };
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes retries safe: a second POST with the same key returns the job the first one created. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The model to train (its weights are updated when the job succeeds). */
                    model_id: string;
                    /** @description The training dataset. */
                    dataset_id: string;
                    /** @description A dataset to evaluate on after each epoch; excludes validation_split. */
                    validation_dataset_id?: string;
                    /** @description Hold out this fraction of the training dataset (in (0, 1)) for validation; excludes validation_dataset_id. */
                    validation_split?: number;
                    /**
                     * @description The loss, as torch.nn.functional names it. cross_entropy (raw scores against class indices) and nll_loss (log-probabilities, e.g. after LogSoftmax, against class indices) need integer labels 0..C−1 and a model with C outputs; mse_loss, l1_loss and huber_loss (delta 1) compare the outputs with numeric targets of the output's shape; binary_cross_entropy_with_logits compares logits with targets in [0, 1] of the output's shape.
                     * @enum {string}
                     */
                    loss: "cross_entropy" | "nll_loss" | "mse_loss" | "l1_loss" | "huber_loss" | "binary_cross_entropy_with_logits";
                    /** @description The optimizer, with torch.optim's class name as `type` and its arguments in snake_case. */
                    optimizer: {
                        /**
                         * @description torch.optim.SGD: "SGD".
                         * @constant
                         */
                        type: "SGD";
                        /** @description Learning rate, > 0. */
                        lr: number;
                        /**
                         * @description Momentum factor, ≥ 0 (default 0).
                         * @default 0
                         */
                        momentum?: number;
                        /**
                         * @description Dampening for momentum (default 0).
                         * @default 0
                         */
                        dampening?: number;
                        /**
                         * @description Weight decay, ≥ 0 (default 0).
                         * @default 0
                         */
                        weight_decay?: number;
                        /**
                         * @description Nesterov momentum (default false); needs momentum > 0 and dampening 0.
                         * @default false
                         */
                        nesterov?: boolean;
                    } | {
                        /**
                         * @description torch.optim.Adam: "Adam".
                         * @constant
                         */
                        type: "Adam";
                        /**
                         * @description Learning rate, > 0 (default 0.001).
                         * @default 0.001
                         */
                        lr?: number;
                        /**
                         * @description Decay rates of the running averages of the gradient and its square, each in [0, 1) (default [0.9, 0.999]).
                         * @default [
                         *       0.9,
                         *       0.999
                         *     ]
                         */
                        betas?: [
                            number,
                            number
                        ];
                        /**
                         * @description Added to the denominator for numerical stability, > 0 (default 1e-8).
                         * @default 1e-8
                         */
                        eps?: number;
                        /**
                         * @description Weight decay, ≥ 0 (default 0).
                         * @default 0
                         */
                        weight_decay?: number;
                        /**
                         * @description Use the AMSGrad variant (default false).
                         * @default false
                         */
                        amsgrad?: boolean;
                    } | {
                        /**
                         * @description torch.optim.AdamW: "AdamW".
                         * @constant
                         */
                        type: "AdamW";
                        /**
                         * @description Learning rate, > 0 (default 0.001).
                         * @default 0.001
                         */
                        lr?: number;
                        /**
                         * @description Decay rates of the running averages of the gradient and its square, each in [0, 1) (default [0.9, 0.999]).
                         * @default [
                         *       0.9,
                         *       0.999
                         *     ]
                         */
                        betas?: [
                            number,
                            number
                        ];
                        /**
                         * @description Added to the denominator for numerical stability, > 0 (default 1e-8).
                         * @default 1e-8
                         */
                        eps?: number;
                        /**
                         * @description Weight decay, ≥ 0 (default 0.01).
                         * @default 0.01
                         */
                        weight_decay?: number;
                        /**
                         * @description Use the AMSGrad variant (default false).
                         * @default false
                         */
                        amsgrad?: boolean;
                    } | {
                        /**
                         * @description torch.optim.RMSprop: "RMSprop".
                         * @constant
                         */
                        type: "RMSprop";
                        /**
                         * @description Learning rate, > 0 (default 0.01).
                         * @default 0.01
                         */
                        lr?: number;
                        /**
                         * @description Smoothing constant of the squared-gradient average, in [0, 1] (default 0.99).
                         * @default 0.99
                         */
                        alpha?: number;
                        /**
                         * @description Added to the denominator for numerical stability, > 0 (default 1e-8).
                         * @default 1e-8
                         */
                        eps?: number;
                        /**
                         * @description Weight decay, ≥ 0 (default 0).
                         * @default 0
                         */
                        weight_decay?: number;
                        /**
                         * @description Momentum factor, ≥ 0 (default 0).
                         * @default 0
                         */
                        momentum?: number;
                        /**
                         * @description Normalise by the estimated variance of the gradient (default false).
                         * @default false
                         */
                        centered?: boolean;
                    } | {
                        /**
                         * @description torch.optim.Adadelta: "Adadelta".
                         * @constant
                         */
                        type: "Adadelta";
                        /**
                         * @description Learning rate, > 0 (default 1).
                         * @default 1
                         */
                        lr?: number;
                        /**
                         * @description Decay rate of the running averages of the squared gradient and update, in [0, 1] (default 0.9).
                         * @default 0.9
                         */
                        rho?: number;
                        /**
                         * @description Added to the denominator for numerical stability, > 0 (default 0.000001).
                         * @default 0.000001
                         */
                        eps?: number;
                        /**
                         * @description Weight decay, ≥ 0 (default 0).
                         * @default 0
                         */
                        weight_decay?: number;
                    };
                    /** @description A learning-rate scheduler, with torch.optim.lr_scheduler's class name as `type` and its arguments in snake_case. Stepped after every epoch, as pytorch/examples do; OneCycleLR after every optimizer step. */
                    scheduler?: {
                        /**
                         * @description torch.optim.lr_scheduler.StepLR: "StepLR".
                         * @constant
                         */
                        type: "StepLR";
                        /** @description Epochs between two decays, ≥ 1. */
                        step_size: number;
                        /**
                         * @description The decay factor, > 0 (default 0.1).
                         * @default 0.1
                         */
                        gamma?: number;
                    } | {
                        /**
                         * @description torch.optim.lr_scheduler.MultiStepLR: "MultiStepLR".
                         * @constant
                         */
                        type: "MultiStepLR";
                        /** @description Epochs after which the lr is multiplied by gamma (once per listing). */
                        milestones: number[];
                        /**
                         * @description The decay factor, > 0 (default 0.1).
                         * @default 0.1
                         */
                        gamma?: number;
                    } | {
                        /**
                         * @description torch.optim.lr_scheduler.ExponentialLR: "ExponentialLR".
                         * @constant
                         */
                        type: "ExponentialLR";
                        /** @description The decay factor, > 0. */
                        gamma: number;
                    } | {
                        /**
                         * @description torch.optim.lr_scheduler.CosineAnnealingLR: "CosineAnnealingLR".
                         * @constant
                         */
                        type: "CosineAnnealingLR";
                        /** @description Epochs of half a period, ≥ 1. */
                        T_max: number;
                        /**
                         * @description The lowest lr, ≥ 0 (default 0).
                         * @default 0
                         */
                        eta_min?: number;
                    } | {
                        /**
                         * @description torch.optim.lr_scheduler.OneCycleLR: "OneCycleLR".
                         * @constant
                         */
                        type: "OneCycleLR";
                        /** @description The peak lr, > 0. */
                        max_lr: number;
                        /** @description Steps in the cycle, ≥ the job's optimizer steps (default: exactly those, epochs × batches per epoch). */
                        total_steps?: number;
                        /**
                         * @description The share of the cycle spent raising the lr, in [0, 1] (default 0.3).
                         * @default 0.3
                         */
                        pct_start?: number;
                        /**
                         * @description How the lr moves between its bounds: cos or linear (default cos).
                         * @default cos
                         * @enum {string}
                         */
                        anneal_strategy?: "cos" | "linear";
                        /**
                         * @description Cycle the momentum inversely to the lr, between max_momentum and base_momentum (default true); needs an optimizer with momentum or betas.
                         * @default true
                         */
                        cycle_momentum?: boolean;
                        /**
                         * @description The lowest momentum (SGD's, RMSprop's momentum or Adam's β1) of the cycle, in [0, 1) (default 0.85).
                         * @default 0.85
                         */
                        base_momentum?: number;
                        /**
                         * @description The highest momentum (SGD's, RMSprop's momentum or Adam's β1) of the cycle, in [0, 1) (default 0.95).
                         * @default 0.95
                         */
                        max_momentum?: number;
                        /**
                         * @description The starting lr is max_lr / div_factor, > 0 (default 25).
                         * @default 25
                         */
                        div_factor?: number;
                        /**
                         * @description The final lr is the starting lr / final_div_factor, > 0 (default 1e4).
                         * @default 10000
                         */
                        final_div_factor?: number;
                        /**
                         * @description Go back down to the starting lr symmetrically, then annihilate it, instead of annealing from max_lr to the final lr (default false).
                         * @default false
                         */
                        three_phase?: boolean;
                    } | {
                        /**
                         * @description torch.optim.lr_scheduler.ReduceLROnPlateau: "ReduceLROnPlateau".
                         * @constant
                         */
                        type: "ReduceLROnPlateau";
                        /**
                         * @description min: the loss should fall; max: it should rise (default min).
                         * @default min
                         * @enum {string}
                         */
                        mode?: "min" | "max";
                        /**
                         * @description new lr = lr × factor, in (0, 1) (default 0.1).
                         * @default 0.1
                         */
                        factor?: number;
                        /**
                         * @description Epochs without improvement tolerated before reducing, ≥ 0 (default 10).
                         * @default 10
                         */
                        patience?: number;
                        /**
                         * @description How much better than the best an epoch must be to count as an improvement, ≥ 0 (default 1e-4).
                         * @default 0.0001
                         */
                        threshold?: number;
                        /**
                         * @description rel: better than best × (1 ∓ threshold); abs: than best ∓ threshold (default rel).
                         * @default rel
                         * @enum {string}
                         */
                        threshold_mode?: "rel" | "abs";
                        /**
                         * @description Epochs after a reduction during which bad epochs are not counted, ≥ 0 (default 0).
                         * @default 0
                         */
                        cooldown?: number;
                        /**
                         * @description The lowest lr, ≥ 0 (default 0).
                         * @default 0
                         */
                        min_lr?: number;
                        /**
                         * @description Reductions smaller than this are skipped, ≥ 0 (default 1e-8).
                         * @default 1e-8
                         */
                        eps?: number;
                    };
                    /** @description Before every optimizer step, scale the gradients so that their total 2-norm is at most this (torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip_norm)), > 0. */
                    grad_clip_norm?: number;
                    /** @description Passes over the training data, ≥ 1. */
                    epochs: number;
                    /** @description Samples per batch, ≥ 1. */
                    batch_size: number;
                    /**
                     * @description Reshuffle the training data every epoch, as DataLoader(shuffle=True) (default true).
                     * @default true
                     */
                    shuffle?: boolean;
                    /**
                     * @description Drop the last batch when smaller than batch_size (default false).
                     * @default false
                     */
                    drop_last?: boolean;
                    /** @description Seed for the global generator before training (torch.manual_seed): shuffling and dropout draw from it. Exact up to 2^53 − 1. Without it, training continues from the model's stored generator state. */
                    seed?: number;
                    /**
                     * EarlyStopping
                     * @description Stops training when the validation loss (the training loss when there is no validation data) stops improving.
                     */
                    early_stopping?: {
                        /** @description Stop after this many epochs in a row without improvement of the monitored loss, ≥ 1. */
                        patience: number;
                        /**
                         * @description An epoch improves only if its loss is below the best so far by more than this, ≥ 0 (default 0).
                         * @default 0
                         */
                        min_delta?: number;
                    };
                };
            };
        };
        responses: {
            /** @description The job, queued (or, for a retried Idempotency-Key, as it is now) */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden), or it would take the tenant past its queued_jobs quota (quota_exceeded; GET /v1/usage shows each) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The model or a dataset does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The Idempotency-Key was used for a different job */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body is too large (payload_too_large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body's content type is not accepted (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Valid JSON that does not fit (the details name the field) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The queue is full; retry after Retry-After seconds; or the key spent its train budget for this window (rate_limited; KILN_RATE_LIMIT_TRAIN requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The job is queued or running (job_active): cancel it first */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    cancelJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job, cancelled or with cancel_requested set */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The job has already ended */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    streamJobEvents: {
        parameters: {
            query?: {
                /** @description Resume after this event (like the Last-Event-ID header). */
                last_event_id?: number;
            };
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event stream: each event's `data:` line holds one JobEvent, whose `type` is the event's name */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["JobEvent"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden), or it would take the tenant past its event_streams quota (quota_exceeded; GET /v1/usage shows each) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Too many event streams are open in this process (too_many_streams); retry after Retry-After seconds */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getJobWeights: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The weights by state-dict key, or the file asked for */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Every tensor of the state dict by PyTorch's key: parameters (`layers.0.weight`, `layers.0.bias`, ...) and buffers (`layers.1.running_mean`, `layers.1.num_batches_tracked`, ...). */
                        tensors: {
                            [key: string]: {
                                /** @description The tensor's shape. */
                                shape: number[];
                                /**
                                 * @description The element type: float32 for parameters and float buffers.
                                 * @constant
                                 */
                                dtype: "float32";
                                /** @description The values, flat, row-major. */
                                data: number[];
                            } | {
                                /** @description The tensor's shape. */
                                shape: number[];
                                /**
                                 * @description The element type: int64 for integer buffers (BatchNorm's num_batches_tracked).
                                 * @constant
                                 */
                                dtype: "int64";
                                /** @description The values, flat, row-major: integers, exact in JSON up to 2^53 − 1 in magnitude. */
                                data: number[];
                            };
                        };
                    };
                    "application/octet-stream": string;
                    "application/onnx": string;
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such job, or its weights are no longer kept (its model was deleted) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The job has not succeeded (job_not_succeeded): it is queued or running, or it failed or was cancelled */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description More weights than one JSON response may hold (the service's limit on numbers per response): ask for safetensors */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listKeys: {
        parameters: {
            query?: {
                /** @description The most items to return (1 to 500). */
                limit?: number;
                /** @description Continue after this id: the `next_cursor` of the previous page. */
                after?: string;
                /** @description The tenant: only the operator key names one (an admin key acts in its own tenant). */
                tenant_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["ApiKey"][];
                        /** @description Pass as `after` for the next page; null on the last page. */
                        next_cursor: string | null;
                    };
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateApiKeyRequest"];
            };
        };
        responses: {
            /** @description The key's record, and the key itself (shown this once) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApiKey"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The operator named a tenant that does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body is too large (payload_too_large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body's content type is not accepted (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description expires_at is not in the future */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    revokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key, revoked (a key revoked before keeps its revoked_at) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listModels: {
        parameters: {
            query?: {
                /** @description The most items to return (1 to 500). */
                limit?: number;
                /** @description Continue after this id: the `next_cursor` of the previous page. */
                after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of models */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Model"][];
                        /** @description Pass as `after` for the next page; null on the last page. */
                        next_cursor: string | null;
                    };
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createModel: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description A name for the model, 1 to 200 characters. */
                    name?: string;
                    /** @description Shape of one input sample, without the batch dimension (e.g. [50] for 50 features), 1 to 4 dimensions. */
                    input_shape: number[];
                    /** @description The layers, applied in order (an nn.Sequential), 1 to 100. Each Linear's in_features may be left out: it is inferred from the shape that reaches it. */
                    layers: ({
                        /**
                         * @description The layer's class, as in torch.nn: "Linear".
                         * @constant
                         */
                        type: "Linear";
                        /** @description Size of each output sample's last dimension (torch.nn.Linear's out_features). */
                        out_features: number;
                        /** @description Size of each input sample's last dimension. Optional: inferred from the previous layer (or input_shape); when given it must agree. */
                        in_features?: number;
                        /**
                         * @description Whether the layer learns an additive bias (default true).
                         * @default true
                         */
                        bias?: boolean;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Conv1d".
                         * @constant
                         */
                        type: "Conv1d";
                        /** @description Channels of each output sample (torch.nn's out_channels). */
                        out_channels: number;
                        /** @description Size of the convolving kernel: an int for every spatial dimension, or one per dimension. */
                        kernel_size: number | [
                            number
                        ];
                        /** @description Channels of each input sample (C of [C, L]). Optional: inferred from the previous layer (or input_shape); when given it must agree. */
                        in_channels?: number;
                        /**
                         * @description Stride of the convolution: an int or one per spatial dimension (default 1).
                         * @default 1
                         */
                        stride?: number | [
                            number
                        ];
                        /**
                         * @description Zeros added on both sides of each spatial dimension: an int or one per dimension (default 0), or "same" (the output keeps the input's size; stride 1 only) or "valid" (no padding).
                         * @default 0
                         */
                        padding?: (number | [
                            number
                        ]) | ("same" | "valid");
                        /**
                         * @description Spacing between kernel elements: an int or one per spatial dimension (default 1).
                         * @default 1
                         */
                        dilation?: number | [
                            number
                        ];
                        /**
                         * @description Blocked connections from input to output channels; both channel counts must be divisible by it (default 1).
                         * @default 1
                         */
                        groups?: number;
                        /**
                         * @description Whether the layer learns an additive bias (default true).
                         * @default true
                         */
                        bias?: boolean;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Conv2d".
                         * @constant
                         */
                        type: "Conv2d";
                        /** @description Channels of each output sample (torch.nn's out_channels). */
                        out_channels: number;
                        /** @description Size of the convolving kernel: an int for every spatial dimension, or one per dimension. */
                        kernel_size: number | [
                            number,
                            number
                        ];
                        /** @description Channels of each input sample (C of [C, H, W]). Optional: inferred from the previous layer (or input_shape); when given it must agree. */
                        in_channels?: number;
                        /**
                         * @description Stride of the convolution: an int or one per spatial dimension (default 1).
                         * @default 1
                         */
                        stride?: number | [
                            number,
                            number
                        ];
                        /**
                         * @description Zeros added on both sides of each spatial dimension: an int or one per dimension (default 0), or "same" (the output keeps the input's size; stride 1 only) or "valid" (no padding).
                         * @default 0
                         */
                        padding?: (number | [
                            number,
                            number
                        ]) | ("same" | "valid");
                        /**
                         * @description Spacing between kernel elements: an int or one per spatial dimension (default 1).
                         * @default 1
                         */
                        dilation?: number | [
                            number,
                            number
                        ];
                        /**
                         * @description Blocked connections from input to output channels; both channel counts must be divisible by it (default 1).
                         * @default 1
                         */
                        groups?: number;
                        /**
                         * @description Whether the layer learns an additive bias (default true).
                         * @default true
                         */
                        bias?: boolean;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "ReLU".
                         * @constant
                         */
                        type: "ReLU";
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "LeakyReLU".
                         * @constant
                         */
                        type: "LeakyReLU";
                        /**
                         * @description Slope for negative inputs (default 0.01).
                         * @default 0.01
                         */
                        negative_slope?: number;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Sigmoid".
                         * @constant
                         */
                        type: "Sigmoid";
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Tanh".
                         * @constant
                         */
                        type: "Tanh";
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "GELU".
                         * @constant
                         */
                        type: "GELU";
                        /**
                         * @description "none" for the exact erf form (default), "tanh" for the tanh approximation.
                         * @default none
                         * @enum {string}
                         */
                        approximate?: "none" | "tanh";
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Softmax".
                         * @constant
                         */
                        type: "Softmax";
                        /**
                         * @description The dimension to normalise over, as PyTorch counts it: dimensions of the batched tensor, dim 0 being the batch (which may not be chosen), negative values counting from the end. Default -1, the last dimension (PyTorch's own default, dim=None, picks a dimension from the input's rank and is deprecated).
                         * @default -1
                         */
                        dim?: number;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "LogSoftmax".
                         * @constant
                         */
                        type: "LogSoftmax";
                        /**
                         * @description The dimension to normalise over, as PyTorch counts it: dimensions of the batched tensor, dim 0 being the batch (which may not be chosen), negative values counting from the end. Default -1, the last dimension (PyTorch's own default, dim=None, picks a dimension from the input's rank and is deprecated).
                         * @default -1
                         */
                        dim?: number;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "MaxPool1d".
                         * @constant
                         */
                        type: "MaxPool1d";
                        /** @description Size of the window to pool over. */
                        kernel_size: number;
                        /**
                         * @description Step of the window: an int or one per spatial dimension; default null, the kernel_size (PyTorch's None).
                         * @default null
                         */
                        stride?: number | null;
                        /**
                         * @description Implicit padding on both sides of each spatial dimension, at most half the kernel_size (default 0).
                         * @default 0
                         */
                        padding?: number;
                        /**
                         * @description Spacing between the window's elements (default 1).
                         * @default 1
                         */
                        dilation?: number;
                        /**
                         * @description Whether the output size rounds up rather than down, so a last partial window counts (default false).
                         * @default false
                         */
                        ceil_mode?: boolean;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "MaxPool2d".
                         * @constant
                         */
                        type: "MaxPool2d";
                        /** @description Size of the window to pool over: an int for every spatial dimension, or one per dimension. */
                        kernel_size: number | [
                            number,
                            number
                        ];
                        /**
                         * @description Step of the window: an int or one per spatial dimension; default null, the kernel_size (PyTorch's None).
                         * @default null
                         */
                        stride?: (number | [
                            number,
                            number
                        ]) | null;
                        /**
                         * @description Implicit padding on both sides of each spatial dimension, at most half the kernel_size (default 0).
                         * @default 0
                         */
                        padding?: number | [
                            number,
                            number
                        ];
                        /**
                         * @description Spacing between the window's elements (default 1).
                         * @default 1
                         */
                        dilation?: number | [
                            number,
                            number
                        ];
                        /**
                         * @description Whether the output size rounds up rather than down, so a last partial window counts (default false).
                         * @default false
                         */
                        ceil_mode?: boolean;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "AvgPool2d".
                         * @constant
                         */
                        type: "AvgPool2d";
                        /** @description Size of the window to pool over: an int for every spatial dimension, or one per dimension. */
                        kernel_size: number | [
                            number,
                            number
                        ];
                        /**
                         * @description Step of the window: an int or one per spatial dimension; default null, the kernel_size (PyTorch's None).
                         * @default null
                         */
                        stride?: (number | [
                            number,
                            number
                        ]) | null;
                        /**
                         * @description Implicit padding on both sides of each spatial dimension, at most half the kernel_size (default 0).
                         * @default 0
                         */
                        padding?: number | [
                            number,
                            number
                        ];
                        /**
                         * @description Whether the output size rounds up rather than down, so a last partial window counts (default false).
                         * @default false
                         */
                        ceil_mode?: boolean;
                        /**
                         * @description Whether the zero padding counts in a window's divisor (default true).
                         * @default true
                         */
                        count_include_pad?: boolean;
                        /**
                         * @description Divide every window's sum by this instead of its size (default null: the window's size).
                         * @default null
                         */
                        divisor_override?: number | null;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "AdaptiveAvgPool2d".
                         * @constant
                         */
                        type: "AdaptiveAvgPool2d";
                        /** @description The output's height and width: an int for both, or [height, width] where null keeps the input's size. */
                        output_size: number | [
                            number | null,
                            number | null
                        ];
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Dropout".
                         * @constant
                         */
                        type: "Dropout";
                        /**
                         * @description Probability of an element being zeroed, in [0, 1] (default 0.5).
                         * @default 0.5
                         */
                        p?: number;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Dropout2d".
                         * @constant
                         */
                        type: "Dropout2d";
                        /**
                         * @description Probability of a channel being zeroed, in [0, 1] (default 0.5).
                         * @default 0.5
                         */
                        p?: number;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "ConvertImageDtype".
                         * @constant
                         */
                        type: "ConvertImageDtype";
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Normalize".
                         * @constant
                         */
                        type: "Normalize";
                        /** @description The mean of each channel (dim -3 of the batched input, torchvision's (..., C, H, W)); one value serves every channel. */
                        mean: number[];
                        /** @description The standard deviation (none 0) of each channel (dim -3 of the batched input, torchvision's (..., C, H, W)); one value serves every channel. */
                        std: number[];
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Flatten".
                         * @constant
                         */
                        type: "Flatten";
                        /**
                         * @description First dimension to flatten, counted in the batched tensor as PyTorch does (default 1, the first dimension of a sample; the batch dimension 0 may not be flattened); negative counts from the end.
                         * @default 1
                         */
                        start_dim?: number;
                        /**
                         * @description Last dimension to flatten, counted as start_dim (default -1, the last).
                         * @default -1
                         */
                        end_dim?: number;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "LayerNorm".
                         * @constant
                         */
                        type: "LayerNorm";
                        /**
                         * @description Added to the variance for numerical stability; > 0 (default 1e-5).
                         * @default 0.00001
                         */
                        eps?: number;
                        /**
                         * @description Whether the layer learns a per-element scale (initialised to ones) and shift (zeros) (default true).
                         * @default true
                         */
                        elementwise_affine?: boolean;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "BatchNorm1d".
                         * @constant
                         */
                        type: "BatchNorm1d";
                        /** @description Channels of each input sample (C of [C] or [C, L]). Optional: inferred from the previous layer (or input_shape); when given it must agree. */
                        num_features?: number;
                        /**
                         * @description Added to the variance for numerical stability; > 0 (default 1e-5).
                         * @default 0.00001
                         */
                        eps?: number;
                        /**
                         * @description How far each training batch moves the running statistics, in [0, 1] (default 0.1); null for their cumulative average over the batches seen (PyTorch's None).
                         * @default 0.1
                         */
                        momentum?: number | null;
                        /**
                         * @description Whether the layer learns a per-channel scale (initialised to ones) and shift (zeros) (default true).
                         * @default true
                         */
                        affine?: boolean;
                        /**
                         * @description Whether the layer keeps running statistics (buffers saved with the weights) for evaluation and prediction; without them it normalises with each batch's own (default true).
                         * @default true
                         */
                        track_running_stats?: boolean;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "BatchNorm2d".
                         * @constant
                         */
                        type: "BatchNorm2d";
                        /** @description Channels of each input sample (C of [C, H, W]). Optional: inferred from the previous layer (or input_shape); when given it must agree. */
                        num_features?: number;
                        /**
                         * @description Added to the variance for numerical stability; > 0 (default 1e-5).
                         * @default 0.00001
                         */
                        eps?: number;
                        /**
                         * @description How far each training batch moves the running statistics, in [0, 1] (default 0.1); null for their cumulative average over the batches seen (PyTorch's None).
                         * @default 0.1
                         */
                        momentum?: number | null;
                        /**
                         * @description Whether the layer learns a per-channel scale (initialised to ones) and shift (zeros) (default true).
                         * @default true
                         */
                        affine?: boolean;
                        /**
                         * @description Whether the layer keeps running statistics (buffers saved with the weights) for evaluation and prediction; without them it normalises with each batch's own (default true).
                         * @default true
                         */
                        track_running_stats?: boolean;
                    } | {
                        /**
                         * @description The layer's class, as in torch.nn: "Identity".
                         * @constant
                         */
                        type: "Identity";
                    })[];
                    /** @description Seed for the initial weights: the model gets PyTorch's weights for torch.manual_seed(seed) followed by constructing the same layers. PyTorch accepts seeds in [0, 2^63); as a JSON number a seed is exact only up to 2^53 − 1, so larger values are rejected. */
                    seed?: number;
                };
            };
        };
        responses: {
            /** @description The model */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden), or it would take the tenant past its models or bytes quota (quota_exceeded; GET /v1/usage shows each) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body is too large (payload_too_large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body's content type is not accepted (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Valid JSON that does not fit (the details name the field) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getModel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The model */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteModel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description A queued or running job uses it */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    predict: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Samples of the model's input_shape, at most 10,000. For a model starting with ConvertImageDtype, integers 0 to 255 (fed as uint8). */
                    inputs: (number[] | number[][] | number[][][])[];
                };
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description Outputs, and for classifiers their softmax probabilities and argmax predictions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description The model's outputs, one per sample, in eval mode. */
                        outputs: unknown[];
                        /** @description Each sample's class probabilities, when the model outputs several scores per sample (output_shape [k], k > 1): softmax of its outputs over the last dimension, in float32 as torch.softmax computes it (for a model ending in LogSoftmax, its probabilities), or the outputs themselves when the model ends in a Softmax over them. */
                        probabilities?: number[][];
                        /** @description argmax of each output, when the model outputs several scores per sample (output_shape [k], k > 1). */
                        predictions?: number[];
                    };
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description A body over the prediction body limit (KILN_MAX_PREDICT_BODY_BYTES): send fewer samples per request */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body's content type is not accepted (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Samples that do not fit the model, a safetensors body that is not one tensor `inputs` of a fitting shape and dtype, or more outputs or work than one request may take (the message says how many samples fit; the details name the field) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its predict budget for this window (rate_limited; KILN_RATE_LIMIT_PREDICT requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listModelVersions: {
        parameters: {
            query?: {
                /** @description The most items to return (1 to 500). */
                limit?: number;
                /** @description Continue after this id: the `next_cursor` of the previous page. */
                after?: string;
            };
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of versions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** @description 1, 2, … per model, in the order the versions were made. */
                            version: number;
                            /** @description The job whose success made it (GET /v1/jobs/{id}/weights gives its weights); null for weights uploaded with PUT, or held when Kiln began to keep versions. */
                            job_id: string | null;
                            /** @description The job's final metrics; null when no job made it. */
                            metrics: {
                                /** @description The job's last step's loss. */
                                loss: number | null;
                                /** @description Epochs trained. */
                                epochs: number;
                                /** @description The last epoch's metrics. */
                                last_epoch: components["schemas"]["EpochMetrics"] | null;
                                stopped_early: boolean;
                            } | null;
                            /** @description The size of its weights (safetensors), which it counts against the tenant's bytes quota. */
                            bytes: number;
                            /** @description Whether the model holds these weights now. */
                            current: boolean;
                            created_at: string;
                        }[];
                        /** @description Pass as `after` for the next page; null on the last page. */
                        next_cursor: string | null;
                        /** @description The version the model holds; null while it holds the weights it was created with. */
                        current_version: number | null;
                    };
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    restoreModelVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
                /** @description The version's number. */
                version: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The model, holding the version */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such model or version */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getModelWeights: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The weights by state-dict key, or the file asked for */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Every tensor of the state dict by PyTorch's key: parameters (`layers.0.weight`, `layers.0.bias`, ...) and buffers (`layers.1.running_mean`, `layers.1.num_batches_tracked`, ...). */
                        tensors: {
                            [key: string]: {
                                /** @description The tensor's shape. */
                                shape: number[];
                                /**
                                 * @description The element type: float32 for parameters and float buffers.
                                 * @constant
                                 */
                                dtype: "float32";
                                /** @description The values, flat, row-major. */
                                data: number[];
                            } | {
                                /** @description The tensor's shape. */
                                shape: number[];
                                /**
                                 * @description The element type: int64 for integer buffers (BatchNorm's num_batches_tracked).
                                 * @constant
                                 */
                                dtype: "int64";
                                /** @description The values, flat, row-major: integers, exact in JSON up to 2^53 − 1 in magnitude. */
                                data: number[];
                            };
                        };
                    };
                    "application/octet-stream": string;
                    "application/onnx": string;
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description More weights than one JSON response may hold (the service's limit on numbers per response): ask for safetensors */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    putModelWeights: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Every tensor of the state dict by PyTorch's key: parameters (`layers.0.weight`, `layers.0.bias`, ...) and buffers (`layers.1.running_mean`, `layers.1.num_batches_tracked`, ...). */
                    tensors: {
                        [key: string]: {
                            /** @description The tensor's shape. */
                            shape: number[];
                            /**
                             * @description The element type: float32 for parameters and float buffers.
                             * @constant
                             */
                            dtype: "float32";
                            /** @description The values, flat, row-major. */
                            data: number[];
                        } | {
                            /** @description The tensor's shape. */
                            shape: number[];
                            /**
                             * @description The element type: int64 for integer buffers (BatchNorm's num_batches_tracked).
                             * @constant
                             */
                            dtype: "int64";
                            /** @description The values, flat, row-major: integers, exact in JSON up to 2^53 − 1 in magnitude. */
                            data: number[];
                        };
                    };
                };
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description The model, holding the weights as its newest version */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Model"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden), or it would take the tenant past its bytes quota (quota_exceeded; GET /v1/usage shows each) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body is too large (payload_too_large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body's content type is not accepted (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Valid JSON that does not fit (the details name the field) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listTenants: {
        parameters: {
            query?: {
                /** @description The most items to return (1 to 500). */
                limit?: number;
                /** @description Continue after this id: the `next_cursor` of the previous page. */
                after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tenants */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Tenant"][];
                        /** @description Pass as `after` for the next page; null on the last page. */
                        next_cursor: string | null;
                    };
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createTenant: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTenantRequest"];
            };
        };
        responses: {
            /** @description The tenant of this name, which existed already */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description The tenant, created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body is too large (payload_too_large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body's content type is not accepted (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getTenantQuotas: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant's limits */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantQuotas"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    updateTenantQuotas: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The resource's id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TenantQuotasPatch"];
            };
        };
        responses: {
            /** @description The tenant's limits, changed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantQuotas"];
                };
            };
            /** @description The request is invalid (validation_error, malformed_json) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description No such resource */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body is too large (payload_too_large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The request body's content type is not accepted (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its write budget for this window (rate_limited; KILN_RATE_LIMIT_WRITE requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getUsage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Use and limit of each quota */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Usage"];
                };
            };
            /** @description No API key, or one that is not valid, revoked or expired (unauthorized); the response has WWW-Authenticate: Bearer */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key's role may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description The key spent its read budget for this window (rate_limited; KILN_RATE_LIMIT_READ requests per KILN_RATE_LIMIT_WINDOW_MS): retry after Retry-After seconds. Every response of a limited route carries the RateLimit-* headers. */
            429: {
                headers: {
                    /** @description Seconds until the window ends */
                    "Retry-After"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget per window */
                    "RateLimit-Limit"?: components["schemas"]["RateLimitCount"];
                    /** @description Requests of this budget left in this window (0 here) */
                    "RateLimit-Remaining"?: components["schemas"]["RateLimitCount"];
                    /** @description Seconds until the window ends */
                    "RateLimit-Reset"?: components["schemas"]["RateLimitCount"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Internal server error (internal) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
}
