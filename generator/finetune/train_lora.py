#!/usr/bin/env python3
"""LoRA fine-tuning of the DistillRecDial student on the SFT file of `recdial export sft`.

Reads the SFT JSONL (docs/formats.md §3.4) in either variant, detected per line:
  {"messages": [{"role": "system", …}, {"role": "user", …}, {"role": "assistant", …}], …}
  {"text": "<|begin_of_text|><|start_header_id|>system<|end_header_id|>…<|eot_id|>"}
and trains a LoRA adapter on a Llama-3.x base (docs/pipeline.md §7.1) with the loss on the
assistant messages only. The adapter, its tokenizer files and adapter_meta.json are written
to --output-dir, ready for `vllm serve … --enable-lora --lora-modules NAME=DIR`.

  --validate-only   checks the data with the standard library only and prints counts
  --tiny-random     trains a tiny randomly initialised Llama-3.1-architecture model with a
                    tokenizer trained on the data itself: nothing is downloaded (the check
                    kept in generator/finetune/check_tiny.sh)

torch, transformers and peft are imported only when training, so that validation runs on
machines without them. See generator/finetune/README.md.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import platform
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

PROG = "train_lora.py"
DEFAULT_BASE_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
DEFAULT_TARGET_MODULES = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"
DEFAULT_TINY_STEPS = 4

# The Llama-3.1 chat template (docs/formats.md §3.1).
BEGIN_OF_TEXT = "<|begin_of_text|>"
START_HEADER = "<|start_header_id|>"
END_HEADER = "<|end_header_id|>"
EOT = "<|eot_id|>"
SYSTEM_PREAMBLE = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
GENERATION_PROMPT = f"{START_HEADER}assistant{END_HEADER}\n\n"
STRUCTURAL_TOKENS = (BEGIN_OF_TEXT, START_HEADER, END_HEADER, EOT)
MESSAGE = re.compile(r"<\|start_header_id\|>(system|user|assistant)<\|end_header_id\|>\n\n(.*?)<\|eot_id\|>", re.S)
ROLES = ("system", "user", "assistant")
# The special tokens of the Llama-3.1 tokenizer that the tiny tokenizer must also keep whole;
# <|reserved_special_token_10|> is DistillRecDial's recommendation marker.
LLAMA3_SPECIAL_TOKENS = [
    BEGIN_OF_TEXT,
    "<|end_of_text|>",
    "<|finetune_right_pad_id|>",
    START_HEADER,
    END_HEADER,
    "<|eom_id|>",
    EOT,
    "<|python_tag|>",
    "<|reserved_special_token_10|>",
]
PAD_TOKEN = "<|finetune_right_pad_id|>"
MAX_ERRORS_SHOWN = 20


class DataError(Exception):
    """A bad record: the message reads `file:line: field: what is wrong`."""


class CheckFailed(Exception):
    """A self-check of the tiny-model run failed."""


@dataclass
class Record:
    line: int
    variant: str  # "messages" | "text"
    # The exact training string: the file's text verbatim, or the messages rendered as recdial renders them.
    text: str
    # [start, end) character spans of `text` the loss is computed on: each assistant content and its <|eot_id|>.
    trained_spans: list[tuple[int, int]]
    system: str
    stereotype: str | None


@dataclass
class Dataset:
    path: Path
    sha256: str
    records: list[Record]
    blank_lines: int = 0
    variants: Counter = field(default_factory=Counter)

    def stereotype_counts(self) -> dict[str, int]:
        """Per stereotype; records that do not name one are grouped by their system prompt."""
        counts: Counter = Counter()
        for r in self.records:
            key = r.stereotype or f"(unlabelled, system prompt sha256 {hashlib.sha256(r.system.encode()).hexdigest()[:12]})"
            counts[key] += 1
        return dict(sorted(counts.items()))


# ---------------------------------------------------------------------------------------------
# Reading and checking the SFT file (standard library only)
# ---------------------------------------------------------------------------------------------


def render_chat(messages: list[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The Llama-3.1 rendering of docs/formats.md §3.1 without a generation prompt (identical to
    recdial's renderChatTemplate) and the spans of the assistant contents with their <|eot_id|>."""
    rest = messages[1:] if messages[0]["role"] == "system" else messages
    system = messages[0]["content"].strip() if messages[0]["role"] == "system" else ""
    out = f"{BEGIN_OF_TEXT}{START_HEADER}system{END_HEADER}\n\n{SYSTEM_PREAMBLE}{system}{EOT}"
    spans: list[tuple[int, int]] = []
    for m in rest:
        out += f"{START_HEADER}{m['role']}{END_HEADER}\n\n"
        start = len(out)
        out += m["content"].strip() + EOT
        if m["role"] == "assistant":
            spans.append((start, len(out)))
    return out, spans


def parse_messages(value: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise DataError(f"{where}: messages: expected a non-empty array of {{role, content}} objects")
    out: list[dict[str, str]] = []
    for i, m in enumerate(value):
        f = f"messages[{i}]"
        if not isinstance(m, dict):
            raise DataError(f"{where}: {f}: expected an object with role and content")
        role, content = m.get("role"), m.get("content")
        if role not in ROLES:
            raise DataError(f"{where}: {f}.role: expected one of system, user, assistant, got {json.dumps(role)}")
        if role == "system" and i != 0:
            raise DataError(f"{where}: {f}.role: a system message may only come first")
        if not isinstance(content, str):
            raise DataError(f"{where}: {f}.content: expected a string, got {type(content).__name__}")
        if not content.strip():
            raise DataError(f"{where}: {f}.content: empty")
        token = next((t for t in STRUCTURAL_TOKENS if t in content), None)
        if token:
            raise DataError(f"{where}: {f}.content: contains the chat-template token {token}")
        out.append({"role": role, "content": content})
    return out


def check_conversation(messages: list[dict[str, str]], where: str, field_name: str) -> None:
    """What a training example needs: a user turn, and the assistant's answer last (what is learnt)."""
    if not any(m["role"] == "user" for m in messages):
        raise DataError(f"{where}: {field_name}: no user message")
    if messages[-1]["role"] != "assistant":
        raise DataError(
            f"{where}: {field_name}: the last message must be the assistant's (the part the student learns), "
            f"got {messages[-1]['role']}"
        )


def parse_text(value: Any, where: str) -> tuple[list[dict[str, str]], list[tuple[int, int]]]:
    """Parses a rendered string (docs/formats.md §3.1 rules 1 and 5); returns messages and assistant spans."""
    if not isinstance(value, str):
        raise DataError(f"{where}: text: expected a string, got {type(value).__name__}")
    if not value.startswith(BEGIN_OF_TEXT):
        raise DataError(f"{where}: text: must start with {BEGIN_OF_TEXT}")
    if BEGIN_OF_TEXT in value[len(BEGIN_OF_TEXT):]:
        raise DataError(f"{where}: text: {BEGIN_OF_TEXT} occurs more than once")
    pos = len(BEGIN_OF_TEXT)
    messages: list[dict[str, str]] = []
    spans: list[tuple[int, int]] = []
    for match in MESSAGE.finditer(value, pos):
        if value[pos:match.start()].strip():
            raise DataError(f"{where}: text: unexpected text outside a message at character {pos}")
        role, content = match.group(1), match.group(2)
        if role == "system":
            if messages:
                raise DataError(f"{where}: text: a system message may only come first (character {match.start()})")
            content = content[len(SYSTEM_PREAMBLE):] if content.startswith(SYSTEM_PREAMBLE) else content
        elif not content.strip():
            raise DataError(f"{where}: text: empty {role} message at character {match.start()}")
        messages.append({"role": role, "content": content.strip()})
        if role == "assistant":
            spans.append((match.start(2), match.end()))
        pos = match.end()
    tail = value[pos:]
    if tail.strip():
        if tail == GENERATION_PROMPT:
            raise DataError(f"{where}: text: ends with a generation prompt; an SFT record ends with the assistant's {EOT}")
        raise DataError(f"{where}: text: unexpected text after the last message at character {pos}")
    if not messages:
        raise DataError(f"{where}: text: no messages")
    check_conversation(messages, where, "text")
    return messages, spans


def parse_record(obj: Any, where: str, line: int) -> Record:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    label = obj.get("stereotype", obj.get("scenario"))
    stereotype = label if isinstance(label, str) and label.strip() else None
    has_messages, has_text = "messages" in obj, "text" in obj
    if has_messages and has_text:
        raise DataError(f"{where}: a record has either messages or text, not both")
    if has_messages:
        messages = parse_messages(obj["messages"], where)
        check_conversation(messages, where, "messages")
        text, spans = render_chat(messages)
        variant = "messages"
    elif has_text:
        messages, spans = parse_text(obj["text"], where)
        text = obj["text"]
        variant = "text"
    else:
        raise DataError(f'{where}: expected a "messages" array or a "text" string')
    system = messages[0]["content"].strip() if messages[0]["role"] == "system" else ""
    return Record(line=line, variant=variant, text=text, trained_spans=spans, system=system, stereotype=stereotype)


def read_sft(path: Path) -> tuple[Dataset, list[str]]:
    """Reads every line; returns the records and the errors (each `file:line: field: problem`)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror or e}") from None
    sha256 = hashlib.sha256(raw).hexdigest()
    if raw[:2] == b"\x1f\x8b":  # gzip, detected by content (docs/formats.md §0)
        raw = gzip.decompress(raw)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    data = Dataset(path=path, sha256=sha256, records=[])
    errors: list[str] = []
    for number, line_bytes in enumerate(raw.split(b"\n"), start=1):
        line_bytes = line_bytes.rstrip(b"\r")
        where = f"{path}:{number}"
        if not line_bytes.strip():
            data.blank_lines += 1
            continue
        try:
            try:
                line = line_bytes.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataError(f"{where}: invalid UTF-8 at byte {e.start}") from None
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{where}: invalid JSON: {e.msg} at column {e.colno}") from None
            record = parse_record(obj, where, number)
        except DataError as e:
            errors.append(str(e))
            continue
        data.records.append(record)
        data.variants[record.variant] += 1
    # A trailing newline leaves one empty piece after the split: it is not a blank line of the file.
    if raw.endswith(b"\n"):
        data.blank_lines -= 1
    if not data.records and not errors:
        errors.append(f"{path}: no records")
    return data, errors


def load_or_exit(path: Path) -> Dataset:
    try:
        data, errors = read_sft(path)
    except DataError as e:
        fail(str(e))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n… and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        fail(f"{len(errors)} bad record{'s' if len(errors) != 1 else ''}:\n" + "\n".join(shown) + more)
    return data


def summary(data: Dataset) -> dict[str, Any]:
    return {
        "file": str(data.path),
        "sha256": data.sha256,
        "records": len(data.records),
        "variants": {k: data.variants.get(k, 0) for k in ("messages", "text")},
        "stereotypes": data.stereotype_counts(),
        "blank_lines": data.blank_lines,
    }


def print_summary(s: dict[str, Any]) -> None:
    v = s["variants"]
    print(f"{s['file']}: {s['records']} records ({v['messages']} messages, {v['text']} text), sha256 {s['sha256']}")
    print("per stereotype:")
    for name, count in s["stereotypes"].items():
        print(f"  {name}: {count}")


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"{PROG}: {message}", file=sys.stderr)
    sys.exit(code)


# ---------------------------------------------------------------------------------------------
# Training (torch, transformers, peft imported lazily)
# ---------------------------------------------------------------------------------------------


def import_training_stack() -> tuple[Any, Any, Any]:
    missing = []
    modules = []
    for name in ("torch", "transformers", "peft"):
        try:
            modules.append(__import__(name))
        except ImportError:
            missing.append(name)
    if missing:
        fail(
            f"training needs torch, transformers and peft; missing: {', '.join(missing)} "
            f"(pip install -r {Path(__file__).with_name('requirements.txt')})"
        )
    return modules[0], modules[1], modules[2]


def dtype_kwargs(transformers: Any, dtype: Any) -> dict[str, Any]:
    """transformers ≥ 4.56 calls the argument `dtype`; older releases only know `torch_dtype`."""
    major, minor = (int(x) for x in re.findall(r"\d+", transformers.__version__)[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}


def encode(tokenizer: Any, record: Record) -> tuple[list[int], list[int]]:
    """Token ids of the record's text (no extra BOS: the text has its own, docs/formats.md §3.4) and
    labels that keep only tokens starting inside an assistant span; the rest is -100."""
    enc = tokenizer(record.text, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    labels = [
        tok if any(a <= start < b for a, b in record.trained_spans) else -100
        for tok, (start, _end) in zip(ids, enc["offset_mapping"])
    ]
    return ids, labels


def check_labels(tokenizer: Any, record: Record, ids: list[int], labels: list[int]) -> None:
    """The labelled tokens must decode to exactly the assistant contents with their <|eot_id|>."""
    learnt = tokenizer.decode([t for t, l in zip(ids, labels) if l != -100], clean_up_tokenization_spaces=False)
    expected = "".join(record.text[a:b] for a, b in record.trained_spans)
    if learnt.strip() != expected.strip():
        raise CheckFailed(
            f"line {record.line}: the loss mask does not cover exactly the assistant part:\n"
            f"  expected {expected[:120]!r}…\n  labelled {learnt[:120]!r}…"
        )


def train_tiny_tokenizer(texts: list[str], transformers: Any) -> Any:
    """A byte-level BPE learnt from the data itself, with the Llama-3 special tokens kept whole."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=LLAMA3_SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=BEGIN_OF_TEXT, eos_token=EOT, pad_token=PAD_TOKEN
    )


def tiny_llama(transformers: Any, tokenizer: Any) -> Any:
    """Llama 3.1's architecture at toy size: GQA (4 query heads over 2 key/value heads), SwiGLU,
    RMSNorm, untied embeddings and the "llama3" RoPE scaling of the 3.1 release."""
    rope = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192}
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=224,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        hidden_act="silu",
        max_position_embeddings=131072,
        rms_norm_eps=1e-5,
        rope_theta=500000.0,
        rope_scaling=rope,
        tie_word_embeddings=False,
        bos_token_id=tokenizer.convert_tokens_to_ids(BEGIN_OF_TEXT),
        eos_token_id=tokenizer.convert_tokens_to_ids(EOT),
        pad_token_id=tokenizer.convert_tokens_to_ids(PAD_TOKEN),
    )
    # transformers 5 moved rope_scaling into rope_parameters; either way it must say llama3.
    rope_seen = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    if rope_seen.get("rope_type") != "llama3":
        raise CheckFailed(f"the tiny config did not keep the llama3 RoPE scaling: {rope_seen}")
    return transformers.LlamaForCausalLM(config)


def load_tokenizer(args: argparse.Namespace, transformers: Any) -> Any:
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.tokenizer or args.base_model)
    if not tokenizer.is_fast:
        # The loss mask is placed by character offsets, which only fast tokenizers report.
        fail(f"--tokenizer: {args.tokenizer or args.base_model} has no fast tokenizer (tokenizer.json)")
    eot = tokenizer.encode(EOT, add_special_tokens=False)
    if len(eot) != 1:
        fail(f"--base-model: the tokenizer of {args.tokenizer or args.base_model} does not know the Llama-3 token {EOT}; "
             "the SFT file is rendered with the Llama-3 chat template")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = PAD_TOKEN if PAD_TOKEN in tokenizer.get_vocab() else tokenizer.eos_token
    return tokenizer


class Collator:
    """Right-pads a batch to its longest example (a multiple of 8 for tensor cores); padded labels are -100."""

    def __init__(self, torch: Any, pad_id: int):
        self.torch, self.pad_id = torch, pad_id

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, Any]:
        longest = max(len(b["input_ids"]) for b in batch)
        longest = -(-longest // 8) * 8
        pad = lambda seq, value: seq + [value] * (longest - len(seq))  # noqa: E731
        t = self.torch.tensor
        return {
            "input_ids": t([pad(b["input_ids"], self.pad_id) for b in batch]),
            "attention_mask": t([pad([1] * len(b["input_ids"]), 0) for b in batch]),
            "labels": t([pad(b["labels"], -100) for b in batch]),
        }


def train(args: argparse.Namespace, data: Dataset) -> dict[str, Any]:
    torch, transformers, peft = import_training_stack()
    transformers.set_seed(args.seed)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    cuda = torch.cuda.is_available()
    bf16 = cuda and torch.cuda.is_bf16_supported()
    dtype = torch.bfloat16 if bf16 else torch.float32

    # Tokenise (and check every loss mask) before loading the model: bad data fails in seconds, not after 16 GB.
    tokenizer = train_tiny_tokenizer([r.text for r in data.records], transformers) if args.tiny_random else load_tokenizer(args, transformers)
    examples, too_long = [], []
    for record in data.records:
        ids, labels = encode(tokenizer, record)
        check_labels(tokenizer, record, ids, labels)
        # Truncating would cut the dialogue the student must learn; such records are left out and counted.
        if len(ids) > args.max_length:
            too_long.append(record.line)
            continue
        examples.append({"input_ids": ids, "labels": labels})
    if too_long:
        print(f"{PROG}: left out {len(too_long)} records longer than --max-length {args.max_length} tokens "
              f"(lines {', '.join(map(str, too_long[:10]))}{', …' if len(too_long) > 10 else ''})", file=sys.stderr)
    if not examples:
        fail(f"--max-length: every record is longer than {args.max_length} tokens")

    if args.tiny_random:
        model = tiny_llama(transformers, tokenizer).to(dtype)
        base_name = "tiny-random-llama-3.1"
        # Saved so that the adapter can be loaded back onto its base (checked below).
        base_dir = out / "tiny-base"
        model.save_pretrained(base_dir)
        tokenizer.save_pretrained(base_dir)
        model.name_or_path = str(base_dir)
    else:
        extra = {"attn_implementation": args.attn_implementation} if args.attn_implementation else {}
        model = transformers.AutoModelForCausalLM.from_pretrained(args.base_model, **dtype_kwargs(transformers, dtype), **extra)
        base_name = args.base_model
    model.config.use_cache = False  # incompatible with gradient checkpointing, useless in training

    lora = peft.LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=args.target_modules,
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = peft.get_peft_model(model, lora)
    if is_main_process():
        model.print_trainable_parameters()

    world = int(os.environ.get("WORLD_SIZE", "1"))
    steps_per_epoch = math.ceil(len(examples) / (args.batch_size * world * args.grad_accum))
    total_steps = args.max_steps if args.max_steps else math.ceil(args.epochs * steps_per_epoch)
    training_args = transformers.TrainingArguments(
        output_dir=str(out / "checkpoints"),
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        num_train_epochs=args.epochs,
        max_steps=args.max_steps or -1,
        learning_rate=args.lr,
        lr_scheduler_type=args.lr_scheduler,
        # Warm-up as steps, computed here: the ratio argument is deprecated in transformers 5.
        warmup_steps=math.ceil(args.warmup_ratio * total_steps),
        weight_decay=args.weight_decay,
        max_grad_norm=1.0,
        logging_steps=args.logging_steps,
        save_strategy="steps" if args.save_steps else "no",
        save_steps=args.save_steps or 500,
        bf16=bf16,
        gradient_checkpointing=not args.no_gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False},
        ddp_find_unused_parameters=False,
        remove_unused_columns=False,
        report_to=[],
        seed=args.seed,
        data_seed=args.seed,
    )
    trainer = transformers.Trainer(
        model=model, args=training_args, train_dataset=ListDataset(examples),
        data_collator=Collator(torch, tokenizer.pad_token_id),
    )
    started = time.time()
    result = trainer.train(resume_from_checkpoint=args.resume_from_checkpoint)
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    # Every rank calls it (sharded setups gather weights); only the main process writes. A PeftModel
    # saves only the adapter: adapter_config.json + adapter_model.safetensors.
    trainer.save_model(str(out))
    if not trainer.is_world_process_zero():
        return {}
    tokenizer.save_pretrained(str(out))
    meta = {
        "base_model": base_name,
        "rank": args.lora_r,
        "alpha": args.lora_alpha,
        "dropout": args.lora_dropout,
        "target_modules": args.target_modules,
        # Epochs actually trained (fractional when --max-steps stops early); the request is kept beside it.
        "epochs": round(float(trainer.state.epoch or 0), 4),
        "epochs_requested": args.epochs,
        "max_steps": args.max_steps,
        "steps": trainer.state.global_step,
        "final_loss": losses[-1] if losses else None,
        "mean_train_loss": result.training_loss,
        "losses": losses if args.tiny_random else None,
        "learning_rate": args.lr,
        "lr_scheduler": args.lr_scheduler,
        "max_length": args.max_length,
        "per_device_batch_size": args.batch_size,
        "gradient_accumulation_steps": args.grad_accum,
        "world_size": world,
        "effective_batch_size": args.batch_size * args.grad_accum * world,
        "seed": args.seed,
        "precision": "bf16" if bf16 else "fp32",
        "device": f"cuda ({torch.cuda.get_device_name(0)})" if cuda else "cpu",
        "data_file": str(data.path),
        "data_sha256": data.sha256,
        "data_records": len(data.records),
        "records_trained": len(examples),
        "records_too_long": len(too_long),
        "data_variants": summary(data)["variants"],
        "data_stereotypes": data.stereotype_counts(),
        "tiny_random": bool(args.tiny_random),
        "train_runtime_s": round(time.time() - started, 1),
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "peft": peft.__version__,
        },
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (out / "adapter_meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    if args.tiny_random:
        check_tiny_run(torch, transformers, peft, trainer.model, tokenizer, data.records[0], out, meta, losses, dtype)
    return meta


class ListDataset:
    """A map-style dataset over tokenised examples (the Trainer needs only __len__ and __getitem__)."""

    def __init__(self, items: list[dict[str, list[int]]]):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, list[int]]:
        return self.items[i]


def is_main_process() -> bool:
    return os.environ.get("RANK", "0") == "0"


def check_tiny_run(torch: Any, transformers: Any, peft: Any, model: Any, tokenizer: Any, record: Record,
                   out: Path, meta: dict[str, Any], losses: list[float], dtype: Any) -> None:
    """What the tiny run proves: finite losses, the adapter files, weights that moved, and an
    adapter that loads back onto its base and gives the trained model's logits."""
    if not losses or not all(math.isfinite(x) for x in losses):
        raise CheckFailed(f"losses are not all finite: {losses}")
    for name in ("adapter_config.json", "adapter_model.safetensors", "adapter_meta.json", "tokenizer.json"):
        if not (out / name).is_file():
            raise CheckFailed(f"{out / name} was not written")
    lora_b = [p for n, p in model.named_parameters() if "lora_B" in n]
    if not lora_b or all(float(p.detach().abs().sum()) == 0.0 for p in lora_b):
        raise CheckFailed("the LoRA B matrices are still zero: no update reached the adapter")
    ids = torch.tensor([tokenizer(record.text, add_special_tokens=False)["input_ids"][:64]])
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        trained = model(input_ids=ids.to(device)).logits.float().cpu()
        base = transformers.LlamaForCausalLM.from_pretrained(out / "tiny-base", **dtype_kwargs(transformers, dtype))
        reloaded = peft.PeftModel.from_pretrained(base.to(device), str(out)).eval()
        again = reloaded(input_ids=ids.to(device)).logits.float().cpu()
    tolerance = 1e-4 if meta["precision"] == "fp32" else 5e-2
    if not torch.allclose(trained, again, atol=tolerance, rtol=tolerance):
        raise CheckFailed(f"the saved adapter does not reproduce the trained model (max |Δlogit| "
                          f"{float((trained - again).abs().max()):.3g})")


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="LoRA fine-tuning of the DistillRecDial student on the SFT JSONL of `recdial export sft`.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", required=True, type=Path, help="SFT JSONL (messages or text records, may be gzip-compressed)")
    p.add_argument("--output-dir", help="where the adapter, tokenizer files and adapter_meta.json go")
    p.add_argument("--validate-only", action="store_true", help="check the data and print counts (standard library only)")
    p.add_argument("--json", action="store_true", help="with --validate-only: print the counts as JSON")
    p.add_argument("--tiny-random", action="store_true",
                   help="a tiny random Llama-3.1-architecture model and a tokenizer learnt from the data; downloads nothing")
    p.add_argument("--base-model", default=DEFAULT_BASE_MODEL, help="HF name or local path of the base model")
    p.add_argument("--tokenizer", help="tokenizer name or path (default: the base model's)")
    p.add_argument("--lora-r", type=positive_int, default=16, help="LoRA rank (serve with --max-lora-rank ≥ this)")
    p.add_argument("--lora-alpha", type=positive_float, default=32, help="LoRA alpha (scale = alpha / r)")
    p.add_argument("--lora-dropout", type=fraction, default=0.05)
    p.add_argument("--target-modules", default=DEFAULT_TARGET_MODULES,
                   type=lambda s: [m.strip() for m in s.split(",") if m.strip()],
                   help="comma-separated module names (every linear projection of Llama by default)")
    p.add_argument("--epochs", type=positive_float, default=3)
    p.add_argument("--max-steps", type=positive_int,
                   help=f"stop after this many optimiser steps (overrides --epochs; --tiny-random: {DEFAULT_TINY_STEPS})")
    p.add_argument("--lr", type=positive_float, default=2e-4, help="peak learning rate")
    p.add_argument("--lr-scheduler", default="cosine", help="transformers scheduler name")
    p.add_argument("--warmup-ratio", type=fraction, default=0.03)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--max-length", type=positive_int, default=4096,
                   help="tokens per record; longer records are left out (and counted), never truncated")
    p.add_argument("--batch-size", type=positive_int, default=1, help="per device")
    p.add_argument("--grad-accum", type=positive_int, default=16, help="gradient accumulation steps")
    p.add_argument("--logging-steps", type=positive_int, default=10)
    p.add_argument("--save-steps", type=int, default=0, help="checkpoint every N steps (0: only the final adapter)")
    p.add_argument("--resume-from-checkpoint", help="a checkpoint folder under OUTPUT_DIR/checkpoints")
    p.add_argument("--no-gradient-checkpointing", action="store_true")
    p.add_argument("--attn-implementation", help="e.g. flash_attention_2 or sdpa (default: transformers' choice)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    if not args.validate_only and not args.output_dir:
        p.error("--output-dir is required unless --validate-only")
    if args.json and not args.validate_only:
        p.error("--json goes with --validate-only")
    if args.tiny_random:
        args.max_steps = args.max_steps or DEFAULT_TINY_STEPS
        args.logging_steps = 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = load_or_exit(args.data)
    if args.validate_only:
        s = summary(data)
        if args.json:
            print(json.dumps(s, indent=2))
        else:
            print_summary(s)
        return 0
    if is_main_process():
        print_summary(summary(data))
    try:
        meta = train(args, data)
    except CheckFailed as e:
        print(f"TINY CHECK FAILED: {e}" if args.tiny_random else f"{PROG}: {e}", file=sys.stderr)
        return 1
    if meta:
        print(f"adapter written to {args.output_dir}: {meta['steps']} steps, final loss {meta['final_loss']:.4f}, "
              f"{meta['precision']} on {meta['device']}")
        if args.tiny_random:
            print(f"TINY CHECK PASSED: {meta['steps']} steps, losses {', '.join(f'{x:.4f}' for x in meta['losses'])}, "
                  f"{meta['precision']} on {meta['device']}, torch {meta['versions']['torch']}, "
                  f"transformers {meta['versions']['transformers']}, peft {meta['versions']['peft']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
