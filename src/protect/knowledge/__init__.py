"""The knowledge base: cited, dated, machine-readable facts about R2P and POC."""

from protect.knowledge.base import Cited, CiteSet, KnowledgeBase, in_effect, kb
from protect.knowledge.loader import KnowledgeError

__all__ = ["CiteSet", "Cited", "KnowledgeBase", "KnowledgeError", "in_effect", "kb"]
