"""Typed configuration: the schema every Hydra composition is checked against.

The dataclasses are registered in Hydra's ConfigStore as ``base_config`` (see
:mod:`diagon.config.store`), so an unknown key or a value of the wrong type fails at
compose time with the key's name. Range and cross-field checks run in
``validate()`` when :func:`diagon.config.load.to_run_config` turns the composed
DictConfig into these objects; they raise :class:`ConfigError` naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# re-exported: the economic sections and the error are part of this schema's public names
from diagon.config.economy import CHILD_DEBT, EconomyConfig, EvolutionConfig, SurgeConfig  # noqa: F401
from diagon.config.errors import ConfigError, _check  # noqa: F401

CLUSTERS: tuple[str, ...] = (
    "coding",
    "data_science",
    "documents_finance",
    "data_querying",
    "web_media",
)
DISPOSITIONS: tuple[str, ...] = ("neutral", "honest", "adversarial", "collaborative")
MODES: tuple[str, ...] = ("full", "fast", "autarky")
TIERS: tuple[str, ...] = ("haiku", "sonnet", "opus")
EFFORTS: tuple[str, ...] = ("low", "medium", "high")


@dataclass
class FamilyConfig:
    """A model family: its price menu (USD per 1M tokens) and per-backend model ids."""

    price_in: float = 0.0
    price_out: float = 0.0
    # scripted traders: this family's starting markup over expected cost when bidding (family
    # price differences of a scripted run start here; conf/model/scripted.yaml)
    markup: float = 0.2
    models: dict[str, str] = field(default_factory=dict)


@dataclass
class TierConfig:
    """A worker tier: price menu and the synthetic worker's quality shift (logit units)."""

    price_in: float = 3.0
    price_out: float = 15.0
    quality_shift: float = 0.0
    models: dict[str, str] = field(default_factory=dict)


@dataclass
class PopulationConfig:
    name: str = "default"
    agents: int = 25
    families: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=lambda: list(CLUSTERS))
    # cycled over agents; a single entry gives everybody that disposition
    dispositions: list[str] = field(default_factory=lambda: ["neutral"])

    def validate(self) -> None:
        _check(self.agents >= 1, "population.agents", f"must be >= 1, got {self.agents}")
        _check(len(self.families) >= 1, "population.families", "must name at least one family")
        _check(len(self.clusters) >= 1, "population.clusters", "must name at least one cluster")
        for c in self.clusters:
            _check(c in CLUSTERS, "population.clusters", f"unknown cluster {c!r}; known: {CLUSTERS}")
        _check(len(self.dispositions) >= 1, "population.dispositions", "must not be empty")
        for d in self.dispositions:
            _check(
                d in DISPOSITIONS,
                "population.dispositions",
                f"unknown disposition {d!r}; known: {DISPOSITIONS}",
            )


@dataclass
class MarketConfig:
    form: str = "sealed_bid"
    # listings show the poster's model family, and proposals the bidder's
    transparency: bool = False
    # scripted traders' preference for their own family when transparency is on: + bias on the
    # selection score, + bias/2 on ρ paid — a scripted run's transparency effect is this number
    # (every scripted knob and its effect: conf/model/scripted.yaml)
    same_family_bias: float = 0.15
    # listings each bidder sees per round: surge listings first (drain-first), then fresh
    # ones; which listings and in what order is a seeded draw per bidder and round that
    # ignores poster and listing ids (diagon.market.bidding.browse_window)
    browse_window: int = 50
    max_bids_per_agent: int = 8
    # bounded fan-out of trader decisions and executions
    concurrency: int = 25

    def validate(self) -> None:
        _check(self.form == "sealed_bid", "market.form", f"unknown market form {self.form!r}")
        _check(self.browse_window >= 1, "market.browse_window", "must be >= 1")
        _check(self.max_bids_per_agent >= 0, "market.max_bids_per_agent", "must be >= 0")
        _check(self.concurrency >= 1, "market.concurrency", "must be >= 1")


@dataclass
class ScriptedTokens:
    """Tokens a scripted trader is charged per decision, as an LLM trader would use."""

    bid_in: int = 1500
    bid_in_per_listing: int = 120
    bid_out: int = 400
    select_in: int = 1200
    select_in_per_proposal: int = 150
    select_out: int = 150
    plan_in: int = 900
    plan_out: int = 150
    pay_in: int = 1400
    pay_out: int = 120
    accept_in: int = 1200
    accept_out: int = 200


@dataclass
class TraderConfig:
    budget_per_call: float = 0.05
    scripted_tokens: ScriptedTokens = field(default_factory=ScriptedTokens)
    # scripted (each knob's effect: conf/model/scripted.yaml): sd of the lognormal noise on
    # bid prices and of the Gaussian noise on ρ
    markup_noise: float = 0.15
    payment_noise: float = 0.06
    # scripted contractors' value of reputation, as a share of the payment at stake
    reputation_weight: float = 1.0
    # scripted bidders' idiosyncratic interest in listings (sd of a lognormal factor)
    attention_noise: float = 0.6
    # LLM traders: market-API tool rounds per decision (0 = no tools), output tokens per
    # call (the budget cap may lower it), and the bounds of belief and memory
    max_tool_rounds: int = 2
    max_output_tokens: int = 2000
    belief_chars: int = 600
    memory_notes: int = 8
    memory_note_chars: int = 200
    proposal_chars: int = 400

    def validate(self) -> None:
        _check(self.budget_per_call > 0, "trader.budget_per_call", "must be > 0")
        _check(self.max_tool_rounds >= 0, "trader.max_tool_rounds", "must be >= 0")
        _check(self.max_output_tokens >= 16, "trader.max_output_tokens", "must be >= 16")
        for key in ("belief_chars", "memory_notes", "memory_note_chars", "proposal_chars"):
            _check(getattr(self, key) >= 1, f"trader.{key}", "must be >= 1")


@dataclass
class ModelConfig:
    backend: str = "scripted"
    base_url: str | None = None
    api_key_env: str | None = None
    # which trader decides: null = `scripted` for backend scripted, else `llm`
    # (`trader=llm` with backend scripted drives LLM traders with the offline fake model)
    trader: str | None = None
    # record every call to this JSONL file / replay a recording with no model at all
    record: str | None = None
    replay: str | None = None
    max_attempts: int = 5  # retries on timeouts, 408/429/5xx and invalid output
    backoff_s: float = 1.0  # first backoff; doubles per retry (seeded jitter)
    timeout_s: float = 120.0  # wall-clock limit of one HTTP attempt, connect to last byte
    # a round in which more than this share of LLM-trader decisions fell back (the model
    # call failed, or its answer was unusable) fails the run: an unreachable model must not
    # yield a "completed" market of fallbacks. Checked per round; null = never.
    max_fallback_share: float | None = 0.5
    temperature: float | None = None
    # offer the market API as function-calling tools (off for backends without tool use)
    tools: bool = True
    # extra keyword options of the backend (e.g. local: {n_ctx: 4096})
    options: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        _check(self.max_attempts >= 1, "model.max_attempts", "must be >= 1")
        _check(self.backoff_s >= 0, "model.backoff_s", "must be >= 0")
        _check(self.timeout_s > 0, "model.timeout_s", "must be > 0")
        _check(
            self.max_fallback_share is None or 0 <= self.max_fallback_share <= 1,
            "model.max_fallback_share",
            f"must be in [0, 1] or null, got {self.max_fallback_share!r}",
        )
        # the name is checked against the trader registry before the run (run_checks.check_runnable),
        # so a trader registered with @trader("name") is selectable
        _check(self.trader is None or bool(self.trader.strip()), "model.trader", "must be a trader name or null")
        _check(not (self.record and self.replay), "model.record", "cannot record and replay at once")


@dataclass
class SyntheticWorkerConfig:
    """Documented in :mod:`diagon.workers.synthetic`."""

    effort_shift: dict[str, float] = field(
        default_factory=lambda: {"low": -0.35, "medium": 0.0, "high": 0.3}
    )
    effort_tokens: dict[str, float] = field(
        default_factory=lambda: {"low": 0.6, "medium": 1.0, "high": 1.7}
    )
    skill_shift: float = 0.8
    skill_token_factor: float = 0.8
    token_noise_sd: float = 0.25
    full_credit_share: float = 0.75
    zero_credit_share: float = 0.8
    # fit the quality model to real outcomes in the execution cache at run start
    # (diagon.cache.calibration); the fitted values replace these and `tiers.*.quality_shift`
    calibrate_from_cache: bool = False
    calibrate_worker: str = "llm"  # whose stored outcomes to fit (never synthetic ones)
    calibration_prior: float = 20.0  # pseudo-observations pulling the fit to these defaults
    calibrated_from: str = ""  # provenance, written by the calibration


@dataclass
class WorkerConfig:
    kind: str = "synthetic"
    timeout_s: int = 900
    max_turns: int = 30
    synthetic: SyntheticWorkerConfig = field(default_factory=SyntheticWorkerConfig)
    # llm worker: per-call output tokens and whole-job token budget by effort
    effort_max_tokens: dict[str, int] = field(
        default_factory=lambda: {"low": 1024, "medium": 2048, "high": 4096}
    )
    effort_token_budget: dict[str, int] = field(
        default_factory=lambda: {"low": 60_000, "medium": 150_000, "high": 300_000}
    )
    # llm worker: model id when tiers.<tier>.models has none for the backend
    model_id: str | None = None
    # llm worker: "native" function calling, "json" (one JSON action per reply, for models
    # without tool use, e.g. model=local) or "auto" (json for local, else native)
    tool_mode: str = "auto"
    # inject tasks/skills/<cluster>/ into the sandbox and prompt on a skill match
    skills: bool = True

    def validate(self) -> None:
        _check(self.timeout_s > 0, "worker.timeout_s", "must be > 0")
        _check(self.max_turns >= 1, "worker.max_turns", "must be >= 1")
        _check(
            self.tool_mode in ("auto", "native", "json"),
            "worker.tool_mode",
            f"must be auto, native or json, got {self.tool_mode!r}",
        )


@dataclass
class SandboxConfig:
    backend: str = "bwrap"


@dataclass
class ModeConfig:
    name: str = "full"

    def validate(self) -> None:
        _check(self.name in MODES, "mode.name", f"unknown mode {self.name!r}; known: {MODES}")


@dataclass
class TasksConfig:
    # one source (builtin, humaneval, bfcl, skillsbench, toolqa) ...
    source: str = "builtin"
    # ... or a mix: when non-empty, these sources replace `source`
    sources: list[str] = field(default_factory=list)
    # local data of a single source (builtin: the pool dir; skillsbench/toolqa: the checkout)
    path: str | None = None
    # local data per source name, for mixes (e.g. {toolqa: /data/ToolQA})
    paths: dict[str, str] = field(default_factory=dict)
    # keep the first N tasks of every category of every source (null: all)
    limit: int | None = None

    def validate(self) -> None:
        _check(self.limit is None or self.limit >= 1, "tasks.limit", "must be >= 1 or null")


@dataclass
class CacheConfig:
    """Execution replay cache (documented in :mod:`diagon.cache.worker`)."""

    path: str = "cache/executions.sqlite"
    # false: never read or write the cache (mode=fast then refuses to run)
    enabled: bool = True
    # mode=full (and autarky with autarky=write) stores every live execution
    write_in_full_mode: bool = True
    # also store the synthetic worker's outcomes in full mode (tests, benchmarks);
    # they cost nothing to regenerate, so this is off by default
    write_synthetic: bool = False
    # autarky: write (like full), replay (like fast) or off
    autarky: str = "write"
    # key on (task, tier, skill match, effort); false gives the paper's triple
    include_effort: bool = True

    def validate(self) -> None:
        _check(self.autarky in ("write", "replay", "off"), "cache.autarky", "must be write|replay|off")
        _check(bool(self.path), "cache.path", "must not be empty")


@dataclass
class DiagonConfig:
    """The whole run configuration (what ``run.json`` records as ``config``)."""

    experiment: str = "baseline"
    seed: int = 0
    rounds: int = 24
    mode: ModeConfig = field(default_factory=ModeConfig)
    economy: EconomyConfig = field(default_factory=EconomyConfig)
    evolution: EvolutionConfig = field(default_factory=EvolutionConfig)
    surge: SurgeConfig = field(default_factory=SurgeConfig)
    families: dict[str, FamilyConfig] = field(default_factory=dict)
    tiers: dict[str, TierConfig] = field(default_factory=dict)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    trader: TraderConfig = field(default_factory=TraderConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    tasks: TasksConfig = field(default_factory=TasksConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)

    def validate(self) -> None:
        """Check ranges and cross-references; raise :class:`ConfigError` naming the key."""
        for part in (
            self.mode, self.economy, self.evolution, self.surge, self.population,
            self.market, self.trader, self.worker, self.cache, self.model, self.tasks,
        ):
            part.validate()
        # seeds address 64-bit stream keys (diagon.rng) and signed 64-bit table columns
        _check(0 <= self.seed < 2**63, "seed", f"must be in [0, 2**63), got {self.seed}")
        _check(self.rounds >= 1, "rounds", f"must be >= 1, got {self.rounds}")
        _check(
            self.cache.enabled or self.mode.name != "fast",
            "cache.enabled",
            "mode=fast replays executions from the cache; it needs cache.enabled=true",
        )
        _check(len(self.families) >= 1, "families", "the price menu names no family")
        for name in self.population.families:
            _check(
                name in self.families,
                "population.families",
                f"unknown family {name!r}; known: {sorted(self.families)}",
            )
        for name, fam in self.families.items():
            _check(fam.price_in >= 0 and fam.price_out >= 0, f"families.{name}", "negative price")
        for tier in TIERS:
            _check(tier in self.tiers, "tiers", f"worker tier {tier!r} is missing")
        for name in self.tiers:
            _check(name in TIERS, "tiers", f"unknown worker tier {name!r}; known: {TIERS}")


def as_plain(obj: Any) -> Any:
    """Dataclass tree → plain dicts/lists (for run.json)."""
    from dataclasses import asdict, is_dataclass

    return asdict(obj) if is_dataclass(obj) else obj
