"""Accuracy measurements that anyone can rerun: scorer agreement, sentiment."""
