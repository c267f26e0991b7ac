"""The `LanguageModel` layer: one async ``generate(request) -> response`` and its wrappers.

Backends (by name, via :func:`create_model`): ``openai``, ``openrouter``, ``compatible``,
``anthropic``, ``local`` (llama.cpp + SmolLM2, offline) and ``scripted`` (test fake).
Wrappers: retry, concurrency limit, budget cap, cost accounting, record/replay; see
:func:`build_model_stack` for the recommended order.
"""

from diagon.models.anthropic_backend import RESPOND_TOOL, AnthropicModel
from diagon.models.budget import BudgetCappedModel
from diagon.models.concurrency import DEFAULT_CONCURRENCY, ConcurrencyLimitedModel
from diagon.models.cost import CallRecord, CostAccountingModel
from diagon.models.errors import (
    BudgetExceeded,
    CallTimeout,
    ConfigurationError,
    InvalidOutput,
    MissingCredentialsError,
    MissingDependencyError,
    ModelError,
    RecordingCorrupted,
    ReplayMiss,
    RetryExhausted,
    ScriptExhausted,
    TransientModelError,
    UnknownBackendError,
)
from diagon.models.local import LocalLlamaModel, find_smollm2_gguf
from diagon.models.openai_backend import (
    OPENROUTER_BASE_URL,
    CompatibleModel,
    OpenAIModel,
    OpenRouterModel,
)
from diagon.models.pricing import Price, estimate_input_tokens
from diagon.models.record import RecordingModel, ReplayingModel, load_recording
from diagon.models.registry import (
    DEFAULT_API_KEY_ENV,
    backend_names,
    check_credentials,
    create_model,
    model_backend,
)
from diagon.models.retry import RetryingModel, is_retryable
from diagon.models.scripted import ScriptedModel
from diagon.models.stack import build_model_stack
from diagon.models.types import (
    SCHEMA_VERSION,
    LanguageModel,
    Message,
    ModelRequest,
    ModelResponse,
    ToolCall,
    ToolSpec,
    Usage,
    canonical_json,
    request_key,
)
from diagon.models.validation import json_validator, parse_json_output, schema_errors
from diagon.models.wrapper import ModelWrapper, aclose_model

__all__ = [
    "DEFAULT_API_KEY_ENV",
    "DEFAULT_CONCURRENCY",
    "OPENROUTER_BASE_URL",
    "RESPOND_TOOL",
    "SCHEMA_VERSION",
    "AnthropicModel",
    "BudgetCappedModel",
    "BudgetExceeded",
    "CallRecord",
    "CallTimeout",
    "CompatibleModel",
    "ConcurrencyLimitedModel",
    "ConfigurationError",
    "CostAccountingModel",
    "InvalidOutput",
    "LanguageModel",
    "LocalLlamaModel",
    "Message",
    "MissingCredentialsError",
    "MissingDependencyError",
    "ModelError",
    "ModelRequest",
    "ModelResponse",
    "ModelWrapper",
    "OpenAIModel",
    "OpenRouterModel",
    "Price",
    "RecordingCorrupted",
    "RecordingModel",
    "ReplayMiss",
    "ReplayingModel",
    "RetryExhausted",
    "RetryingModel",
    "ScriptExhausted",
    "ScriptedModel",
    "ToolCall",
    "ToolSpec",
    "TransientModelError",
    "UnknownBackendError",
    "Usage",
    "aclose_model",
    "backend_names",
    "build_model_stack",
    "canonical_json",
    "check_credentials",
    "create_model",
    "estimate_input_tokens",
    "find_smollm2_gguf",
    "is_retryable",
    "json_validator",
    "load_recording",
    "model_backend",
    "parse_json_output",
    "request_key",
    "schema_errors",
]
