"""Bring your own text: a new source in, proposed records out, for a person to review and commit.

Belongs here (one module each): checking and decoding the file (inputs), date expressions → EDTF (dating), draft
records from the sentences and the corpus's vocabulary of names (drafts), and the YAML files — writing the drafts
in the data files' own format and building the corpus with the reviewed ones added (files).
Does not belong here: the curated records (data/), which nothing here ever writes.
"""
