"""Stand-ins for a generator and a retriever, for the routing logic of verify and auto."""

import time

from engrain.model.generate import Generation
from engrain.records import Passage

Q = "What is the weight of the Lapwing RC-68e?"
PASSAGES = [Passage("m.md", "m.md#1", "The Lapwing RC-68e weighs 3435 g and ships with the Bittern DL-71.", 0.9)]


class ScriptedGenerator:
    """Answers from a script: the closed-book reply (with a confidence), then the reading reply."""

    def __init__(self, closed: str, read: str = "The weight is 3435 g [1].", confidence: float = 1.0) -> None:
        self.replies = {"closed": closed, "read": read}
        self.confidence = confidence
        self.calls: list[str] = []

    def clock(self) -> float:
        return time.perf_counter()

    def chat_ids(self, user: str) -> list[int]:
        return [1] * (50 if "Question:" in user else 10)

    def text_ids(self, text: str) -> list[int]:
        return self.chat_ids(text)

    def generate(self, ids: list[int], stop_at_newline: bool = False, max_new_tokens=None, on_text=None) -> Generation:
        which = "read" if len(ids) == 50 else "closed"
        self.calls.append(which)
        return Generation(self.replies[which], len(ids), 5, 1.0, 2.0, self.confidence if which == "closed" else 0.9)


class ScriptedRetriever:
    def __init__(self, passages: list[Passage] = PASSAGES) -> None:
        self.passages, self.searches = passages, 0

    def search(self, query: str, k: int) -> tuple[list[Passage], dict[str, float]]:
        self.searches += 1
        return self.passages[:k], {"embed": 0.5, "search": 0.1}

    def embed_tokens(self, query: str) -> int:
        return len(query.split())
