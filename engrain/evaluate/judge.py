"""eval.judge: the teacher model grades free-text answers beside containment, the same way for
every pipeline (containment under-counts answers worded differently from the reference)."""

from __future__ import annotations

from engrain.model.chat import ChatClient

_QUOTES = "\"'“”‘’`"
PROMPT = (
    "Grade an answer to a question against the reference answers. It is correct when it gives the same "
    "information as one of the references, whatever its wording, date or number format; it is wrong when it "
    "gives other information or only part of it. Reply with one word: correct or wrong.\n\n"
    "Question: {question}\nReference answers: {references}\nAnswer: {answer}"
)


def grade(chat: ChatClient, rows: list[tuple[str, list[str], str]]) -> list[bool | None]:
    """Whether each (question, references, answer) answer says what a reference says, in any wording.
    None: no usable verdict."""
    prompts = [PROMPT.format(question=q, references=" | ".join(refs), answer=a) for q, refs, a in rows]
    verdicts: list[bool | None] = []
    for reply in chat.complete_many(prompts):
        word = (reply or "").strip().strip(_QUOTES + ".!").split()
        first = word[0].lower().strip(".,!:") if word else ""
        verdicts.append(True if first == "correct" else False if first == "wrong" else None)
    return verdicts


def judge_rows(chat: ChatClient, rows: list[dict]) -> str:
    """Sets each eval row's `judged`: the verdict on an answer to an answerable question (None: no verdict);
    a refusal there is wrong and, on an unanswerable one, right, as containment scores it. Returns a summary."""
    ask = [r for r in rows if r["references"] and not r["abstained"]]
    verdicts = grade(chat, [(r["question"], r["references"], r["answer"]) for r in ask])
    for r in rows:
        r["judged"] = r["correct"] if not r["references"] else False
    for r, v in zip(ask, verdicts):
        r["judged"] = v
    return (
        f"judge graded {sum(v is not None for v in verdicts)} of {len(ask)} answers "
        f"({chat.stats['requests']} requests, {chat.stats['cache_hits']} cached)"
    )
