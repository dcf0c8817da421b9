"""The one schema module: what a curated record may say, and what every built frame holds.

Belongs here: the vocabularies (event, place, actor and relation types), the pydantic models that parse one YAML
record each, and the column table of every frame, from which the pandera checks, the Frictionless data package
and the README's data dictionary test are all derived.
Does not belong here: reading files, locating quotes, or anything about how a view draws a record.
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    import pandera.pandas as pa

# Years outside this range are typos, not history (the texts run from the 1800s to the 2020s).
YEAR_MIN, YEAR_MAX = 1800, 2030

EVENT_TYPES = (
    "congress", "expulsion", "trial", "purge", "execution", "deportation", "assassination", "split", "uprising",
    "repression", "speech", "publication", "poll", "founding", "policy", "famine", "war", "death", "exile",
    "rise_to_power", "revolution", "pact", "other",
)
PLACE_TYPES = (
    "purge", "execution", "killing", "assassination", "trial", "camp", "uprising", "deportation_origin",
    "deportation_destination", "exile", "movement", "other",
)
PRECISIONS = ("exact", "city", "region", "country")
# A point standing for a whole region or country is drawn as approximate.
APPROXIMATE_PRECISIONS = ("region", "country")
# historian and writer: people the texts introduce by that trade, added for the holders of claims (debates).
ACTOR_TYPES = ("person", "historian", "writer", "faction", "party", "state", "organisation", "publication")
RELATION_TYPES = (
    "member_of", "leader_of", "allied_with", "supported", "opposed", "criticized", "expelled", "exiled", "executed",
    "killed", "persecuted", "split_from", "influenced", "succeeded", "founded",
)
PERIOD_TYPES = ("section", "era")
# Where a claim stands on its question: at either pole, between them (agrees with reservations), or elsewhere (a
# position that is neither pole: "red fascism" on the nature of the Soviet state).
STANCES = ("pole_a", "pole_b", "qualified", "other")
# A claim's summary fits on one line of a hover or a table cell.
SUMMARY_MAX_CHARS = 100
# A pole is written whole at one end of its row in the Debates view: a few words.
POLE_MAX_CHARS = 40
KINDS = ("movements", "periods", "events", "places", "routes", "actors", "relations", "estimates", "waivers",
         "questions", "claims", "comparisons")
ID_FIELD = MappingProxyType({
    "movements": "movement_id", "periods": "period_id", "events": "event_id", "places": "place_id",
    "routes": "route_id", "actors": "actor_id", "relations": "relation_id", "estimates": "estimate_id",
    "questions": "question_id", "claims": "claim_id", "comparisons": "comparison_id",
})
ID_PREFIX = MappingProxyType({"periods": "per_", "events": "ev_", "places": "pl_", "routes": "rt_", "relations": "rel_",
             "estimates": "est_", "questions": "q_", "claims": "cl_", "comparisons": "cmp_"})
_SLUG = re.compile(r"^[a-z0-9_]+$")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")

Year = int


# ---------------------------------------------------------------------------------------------------------------
# Records as written in data/**.yaml
# ---------------------------------------------------------------------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True)

    doc_id: str
    quote: str = Field(min_length=3)
    occurrence: int = Field(default=1, ge=1)
    note: str | None = None


class _Dated(_Record):
    # `when` (EDTF) is what the text supports; year_start/year_end are the older way of writing a closed range and
    # are read as `when` when it is absent. `when_refined` narrows it with knowledge from outside the texts.
    when: str | None = None
    when_refined: str | None = None
    year_start: Year | None = None
    year_end: Year | None = None
    date_note: str | None = None
    outside_text: str | None = None
    according_to: tuple[str, ...] = ()

    @field_validator("year_start", "year_end")
    @classmethod
    def _year_in_range(cls, v: int | None) -> int | None:
        if v is not None and not (YEAR_MIN <= v <= YEAR_MAX):
            raise ValueError(f"year {v} is outside {YEAR_MIN}–{YEAR_MAX}")
        return v

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.year_start is not None and self.year_end is not None and self.year_end < self.year_start:
            raise ValueError(f"year_end {self.year_end} is before year_start {self.year_start}")
        return self


def _slug(v: str) -> str:
    if not _SLUG.match(v):
        raise ValueError(f"id {v!r} is not a lower-case slug [a-z0-9_]")
    return v


class MovementRecord(_Record):
    """A movement as the texts name it. Two levels: a family (no family_id; the filter's entries, each with its
    colour) and every movement, current, tendency or group the texts name inside one (family_id set; drawn in its
    family's colour)."""

    movement_id: str
    name: str
    color: str | None = None
    family_id: str | None = None
    aliases: tuple[str, ...] = ()
    description: str = ""
    outside_text: str | None = None

    @field_validator("color")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is not None and not _HEX.match(v):
            raise ValueError(f"colour {v!r} is not #RRGGBB")
        return v.upper() if v else v

    @model_validator(mode="after")
    def _family_colour(self):
        if self.family_id is None and self.color is None:
            raise ValueError("a movement family (no family_id) needs a color")
        return self

    _id = field_validator("movement_id")(classmethod(lambda cls, v: _slug(v)))


class PeriodRecord(_Dated):
    period_id: str
    label: str
    period_type: Literal[PERIOD_TYPES]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _dated(self):
        if not self.when and self.year_start is None:
            raise ValueError("a period needs a date (`when`)")
        return self

    _id = field_validator("period_id")(classmethod(lambda cls, v: _slug(v)))


# A curated short label for the timeline (written beside the mark); longer titles are shortened by the view.
LABEL_MAX_CHARS = 32


class EventRecord(_Dated):
    event_id: str
    title: str
    label: str | None = Field(default=None, max_length=LABEL_MAX_CHARS)
    event_type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    happening_id: str | None = None
    place_id: str | None = None
    actor_ids: tuple[str, ...] = ()
    # Actors in actor_ids whom the quote shows only arguing or writing, confirmed by the annotator as taking part
    # (a speech, an article, a book is the event itself); see records.py::_argues_problems.
    argues_ok: tuple[str, ...] = ()
    movement_ids: tuple[str, ...] = ()

    _id = field_validator("event_id")(classmethod(lambda cls, v: _slug(v)))
    _happening = field_validator("happening_id")(classmethod(lambda cls, v: v if v is None else _slug(v)))


class PlaceRecord(_Record):
    place_id: str
    name: str
    place_type: Literal[PLACE_TYPES]  # type: ignore[valid-type]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    precision: Literal[PRECISIONS]  # type: ignore[valid-type]
    coords_source: str = Field(min_length=3)
    aliases: tuple[str, ...] = ()
    outside_text: str | None = None

    _id = field_validator("place_id")(classmethod(lambda cls, v: _slug(v)))


class RouteRecord(_Dated):
    route_id: str
    people: str
    origin_place_id: str
    destination_place_id: str
    origin_implied: bool = False
    count_low: int | None = Field(default=None, ge=0)
    count_high: int | None = Field(default=None, ge=0)
    event_id: str | None = None

    _id = field_validator("route_id")(classmethod(lambda cls, v: _slug(v)))

    @model_validator(mode="after")
    def _counts(self):
        if self.count_low is not None and self.count_high is not None and self.count_high < self.count_low:
            raise ValueError("count_high is below count_low")
        return self


class MovementTag(BaseModel):
    """Why an actor carries a movement tag: the sentence of a text that ties the actor to the movement (located like
    every quote, in `doc_id`, by default the actor's own text), or an `outside_text` note when no sentence does."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    movement_id: str
    quote: str | None = Field(default=None, min_length=3)
    occurrence: int = Field(default=1, ge=1)
    doc_id: str | None = None
    outside_text: str | None = None


class ActorRecord(_Record):
    actor_id: str
    name: str
    actor_type: Literal[ACTOR_TYPES]  # type: ignore[valid-type]
    # The ids of the actor's movements (what the frame keeps) and, per id, its quote or note (movement_quotes).
    # A record may give movement_quotes only: movement_ids is then read from it.
    movement_ids: tuple[str, ...] = ()
    movement_quotes: tuple[MovementTag, ...] = ()
    aliases: tuple[str, ...] = ()
    description: str = ""

    _id = field_validator("actor_id")(classmethod(lambda cls, v: _slug(v)))

    @model_validator(mode="after")
    def _tags(self):
        if not self.movement_ids and self.movement_quotes:
            object.__setattr__(self, "movement_ids", tuple(dict.fromkeys(t.movement_id for t in self.movement_quotes)))
        return self


class RelationRecord(_Dated):
    relation_id: str
    source_id: str
    target_id: str
    relation_type: Literal[RELATION_TYPES]  # type: ignore[valid-type]

    _id = field_validator("relation_id")(classmethod(lambda cls, v: _slug(v)))


class EstimateRecord(_Dated):
    estimate_id: str
    what: str
    unit: str = "people"
    low: float | None = None
    high: float | None = None
    qualifier: str | None = None
    event_id: str | None = None

    _id = field_validator("estimate_id")(classmethod(lambda cls, v: _slug(v)))

    @model_validator(mode="after")
    def _low_high(self):
        if self.low is None and self.high is None:
            raise ValueError("an estimate needs low or high")
        if self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError("high is below low")
        return self


# What a waiver explains (pipeline/coverage.py): a sentence that needs no record, a sentence where actors stand
# with a relation verb but state no tie, a sentence naming a movement that needs no movement record, a sentence
# where a known actor stands with an attribution verb but holds no position on a debated question.
WAIVES = ("records", "ties", "movements", "claims")


class WaiverRecord(_Record):
    reason: str = Field(min_length=3)
    waives: tuple[Literal[WAIVES], ...] = ("records",)  # type: ignore[valid-type]


class QuestionRecord(_Record):
    """A question the texts debate, with its two poles; `quote` is the sentence that frames the debate."""

    question_id: str
    label: str = Field(min_length=3)
    pole_a: str = Field(min_length=2, max_length=POLE_MAX_CHARS)
    pole_b: str = Field(min_length=2, max_length=POLE_MAX_CHARS)
    # Why a pole has no claim, where the texts give it no named holder ("some Western experts").
    poles_note: str | None = None

    _id = field_validator("question_id")(classmethod(lambda cls, v: _slug(v)))


class ClaimRecord(_Record):
    """A position the texts attribute to a named holder (an actor) on one question; `quote` states it."""

    claim_id: str
    question_id: str
    holder_id: str
    stance: str
    summary: str = Field(min_length=3, max_length=SUMMARY_MAX_CHARS)
    # The year of the work in which the holder says so, where the text gives it.
    work_year: Year | None = Field(default=None, ge=YEAR_MIN, le=YEAR_MAX)
    about_actor_ids: tuple[str, ...] = ()
    about_event_ids: tuple[str, ...] = ()

    _id = field_validator("claim_id")(classmethod(lambda cls, v: _slug(v)))

    @field_validator("stance")
    @classmethod
    def _stance(cls, v: str) -> str:
        if v not in STANCES:
            raise ValueError(f"stance {v!r} is not one of pole_a (the question's first pole), pole_b (its second), "
                             "qualified (between them) or other (neither)")
        return v

    @field_validator("summary")
    @classmethod
    def _one_line(cls, v: str) -> str:
        if "\n" in v.strip():
            raise ValueError("a summary is one line")
        return v


class ComparisonRecord(BaseModel):
    """A curated pair of records (of either text) stating one figure or date differently, where no shared
    happening lets the build find them: each record keeps its own quote; the pair names what both are of."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    comparison_id: str
    what: str = Field(min_length=3)
    record_ids: tuple[str, ...] = Field(min_length=2, max_length=2)
    note: str | None = None

    _id = field_validator("comparison_id")(classmethod(lambda cls, v: _slug(v)))


RECORD_MODELS: MappingProxyType = MappingProxyType({
    "movements": MovementRecord, "periods": PeriodRecord, "events": EventRecord, "places": PlaceRecord,
    "routes": RouteRecord, "actors": ActorRecord, "relations": RelationRecord, "estimates": EstimateRecord,
    "waivers": WaiverRecord, "questions": QuestionRecord, "claims": ClaimRecord, "comparisons": ComparisonRecord,
})
# Kinds whose records quote no text of their own (a comparison points at two records that do).
UNQUOTED_KINDS = ("comparisons",)


# ---------------------------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------------------------

Dtype = Literal["string", "integer", "number", "boolean", "list"]


@dataclass(frozen=True)
class Column:
    name: str
    dtype: Dtype
    description: str
    nullable: bool = False
    ref: str | None = None  # the frame whose ids this column holds (a reference, checked by the build)


def _c(name: str, dtype: Dtype, description: str, nullable: bool = False, ref: str | None = None) -> Column:
    return Column(name, dtype, description, nullable, ref)


_CITATION = (
    _c("doc_id", "string", "Id of the text the quote is taken from (see documents)."),
    _c("quote", "string", "The sentence or clause of the text that states this record, verbatim."),
    _c("char_start", "integer", "Offset of the quote's first character in the text (0-based, in characters)."),
    _c("char_end", "integer", "Offset just past the quote's last character."),
    _c("passage_id", "string", "Id of the sentence (passage) in which the quote starts."),
    _c("section", "string", "Heading of the section the quote stands in ('' before the first heading)."),
)
_YEARS = (
    _c("when", "string", "The date the text supports, as EDTF (ISO 8601-2 level 1): '1937', '1939/1949', "
                         "'1924/..' (open end), '1934~/1936~' (approximate); empty when undated."),
    _c("year_start", "integer", "First year of `when` (inclusive); empty when undated or when its start is open "
                                "or unknown ('../1940').", nullable=True),
    _c("year_end", "integer", "Last year of `when` (inclusive); equals year_start for a single year; empty when "
                              "its end is open or unknown ('1924/..').", nullable=True),
    _c("when_refined", "string", "A narrower date known from outside the texts (EDTF), with outside_text saying "
                                 "so; empty if none. The views draw it (marked ⚑) unless dates=text."),
    _c("refined_year_start", "integer", "First year of when_refined; empty if none or open.", nullable=True),
    _c("refined_year_end", "integer", "Last year of when_refined; empty if none or open.", nullable=True),
    _c("date_note", "string", "How a vague date was read (e.g. 'mid-1930s'); empty when exact."),
)
_VOICES = (
    _c("according_to", "list", "Ids of the actors (historians, writers, groups) to whom the sentence attributes "
                               "the statement; empty when the text states it itself.", ref="actors"),
)
_OUTSIDE = (
    _c("outside_text", "string", "What in this record is not stated in the text, and its origin; empty if none."),
)
_NOTE = (_c("note", "string", "Curator's note for readers; empty if none."),)

FRAME_COLUMNS: MappingProxyType = MappingProxyType({
    "documents": (
        _c("doc_id", "string", "Id of the text."),
        _c("title", "string", "Title of the text."),
        _c("path", "string", "Path of the text file, relative to the repository."),
        _c("sha256", "string", "SHA-256 of the text file's bytes."),
        _c("licence", "string", "Licence of the text."),
        _c("credit", "string", "Credit line to show with anything derived from the text."),
        _c("char_count", "integer", "Length of the text in characters."),
        _c("text", "string", "The text itself, as the records' offsets index it (the frames carry the texts they "
                             "were built from: nothing reads a file while serving)."),
    ),
    "passages": (
        _c("passage_id", "string", "Id of the passage: doc, paragraph and sentence number."),
        _c("doc_id", "string", "Id of the text."),
        _c("paragraph_no", "integer", "Number of the paragraph (line) in the text, from 1."),
        _c("sentence_no", "integer", "Number of the sentence within its paragraph, from 1."),
        _c("passage_type", "string", "sentence, heading or list_item."),
        _c("char_start", "integer", "Offset of the passage's first character in the text."),
        _c("char_end", "integer", "Offset just past the passage's last character."),
        _c("paragraph_start", "integer", "Offset of the first character of the passage's paragraph."),
        _c("paragraph_end", "integer", "Offset just past the passage's paragraph."),
        _c("section", "string", "Heading of the section the passage stands in."),
        _c("back_matter", "boolean", "True in the See also / References / bibliography part."),
        _c("text", "string", "The passage's text."),
    ),
    "mentions": (
        _c("mention_id", "string", "Id of the mention."),
        _c("entity_type", "string", "actor, place, movement or year."),
        _c("entity_id", "string", "Id of the actor, place or movement; the year for a year."),
        _c("doc_id", "string", "Id of the text."),
        _c("passage_id", "string", "Id of the sentence the mention is in."),
        _c("char_start", "integer", "Offset of the mention's first character in the text."),
        _c("char_end", "integer", "Offset just past the mention."),
        _c("text", "string", "The mention as written."),
    ),
    "movements": (
        _c("movement_id", "string", "Id of the movement (used in URLs: movement=trotskyism)."),
        _c("name", "string", "Name of the movement as the texts write it."),
        _c("family_id", "string", "The family it belongs to (the filter's top level); its own id for a family.",
           ref="movements"),
        _c("color", "string", "Its family's colour in every view (#RRGGBB, colour-blind-safe palette)."),
        _c("aliases", "list", "Names the texts use for it."),
        _c("description", "string", "One line for readers."),
        *_CITATION, *_OUTSIDE, *_NOTE,
    ),
    "periods": (
        _c("period_id", "string", "Id of the period."),
        _c("label", "string", "The period's name as the text writes it."),
        _c("period_type", "string", "section (a heading of the text) or era (named in the prose)."),
        *_YEARS, *_CITATION, *_OUTSIDE, *_NOTE,
    ),
    "events": (
        _c("event_id", "string", "Id of the event."),
        _c("title", "string", "Short title."),
        _c("label", "string", f"Label written beside the mark (at most {LABEL_MAX_CHARS} characters): curated, "
                              "or the title shortened."),
        _c("event_type", "string", "Kind of event: " + ", ".join(EVENT_TYPES) + "."),
        _c("happening_id", "string", "Id shared by the records of one happening (one per text or sentence); the "
                                     "event's own id when it stands alone."),
        *_YEARS,
        _c("place_id", "string", "Id of the main place; empty if none.", nullable=True, ref="places"),
        _c("actor_ids", "list", "Ids of the actors taking part (not those who only comment on it).", ref="actors"),
        *_VOICES,
        _c("movement_ids", "list", "Ids of the movements it belongs to.", ref="movements"),
        *_CITATION, *_OUTSIDE, *_NOTE,
    ),
    "places": (
        _c("place_id", "string", "Id of the place."),
        _c("name", "string", "Name as the text writes it."),
        _c("place_type", "string", "Main role: " + ", ".join(PLACE_TYPES) + "."),
        _c("lat", "number", "Latitude, WGS 84 decimal degrees (from outside the texts)."),
        _c("lon", "number", "Longitude, WGS 84 decimal degrees (from outside the texts)."),
        _c("precision", "string", "exact, city, region or country: what the point stands for."),
        _c("approximate", "boolean", "True when the point stands for a region or a country."),
        _c("coords_source", "string", "Where the coordinates come from (always outside the texts)."),
        _c("aliases", "list", "Other names the texts use."),
        *_CITATION, *_OUTSIDE, *_NOTE,
    ),
    "routes": (
        _c("route_id", "string", "Id of the deportation route."),
        _c("people", "string", "The people deported, as the text names them."),
        _c("origin_place_id", "string", "Id of the origin place.", ref="places"),
        _c("destination_place_id", "string", "Id of the destination place.", ref="places"),
        _c("origin_implied", "boolean", "True when the text names no origin and the people's homeland is used."),
        *_YEARS,
        _c("count_low", "integer", "Number of people deported (low), where the text gives one.", nullable=True),
        _c("count_high", "integer", "Number of people deported (high).", nullable=True),
        _c("event_id", "string", "Id of the deportation event; empty if none.", nullable=True, ref="events"),
        _c("movement_ids", "list", "Movements of its event (for filtering).", ref="movements"),
        *_CITATION, *_OUTSIDE, *_NOTE,
    ),
    "actors": (
        _c("actor_id", "string", "Id of the actor."),
        _c("name", "string", "Name."),
        _c("actor_type", "string", ", ".join(ACTOR_TYPES[:-1]) + " or " + ACTOR_TYPES[-1] + "."),
        _c("movement_ids", "list", "Movements the actor belongs to (either level: a family or a movement in one).",
           ref="movements"),
        _c("movement_quotes", "list", "Per movement tag, why: 'movement_id: \u201cthe sentence that gives it\u201d' "
                                      "and/or 'movement_id: outside the texts: note' (aligned by movement id, not "
                                      "by position)."),
        _c("aliases", "list", "Other names the texts use."),
        _c("description", "string", "A few words for readers."),
        _c("mention_count", "integer", "Mentions of the actor in both texts."),
        _c("tie_count", "integer", "Relations the actor takes part in."),
        *_CITATION, *_NOTE,
    ),
    "relations": (
        _c("relation_id", "string", "Id of the relation."),
        _c("source_id", "string", "Id of the actor the relation goes from.", ref="actors"),
        _c("target_id", "string", "Id of the actor the relation goes to.", ref="actors"),
        _c("relation_type", "string", "Kind of tie: " + ", ".join(RELATION_TYPES) + "."),
        *_YEARS, *_VOICES, *_CITATION, *_OUTSIDE, *_NOTE,
    ),
    "estimates": (
        _c("estimate_id", "string", "Id of the estimate."),
        _c("what", "string", "What the figure counts."),
        _c("unit", "string", "Unit of the figure (people, percent, …)."),
        _c("low", "number", "Low figure (or the single figure).", nullable=True),
        _c("high", "number", "High figure; empty for an open-ended 'over N'.", nullable=True),
        _c("qualifier", "string", "about, over, up to, nearly, exact …; empty if plain."),
        *_YEARS,
        _c("event_id", "string", "Id of the event the figure belongs to; empty if none.", nullable=True, ref="events"),
        *_VOICES, *_CITATION, *_OUTSIDE, *_NOTE,
    ),
    "waivers": (
        _c("waiver_id", "string", "Id of the waiver (doc and passage)."),
        _c("reason", "string", "Why this sentence needs no record."),
        _c("waives", "list", "Which coverage lists the waiver clears: records (no record needed), ties (no tie "
                             "stated although actors stand with a relation verb), movements (no movement record "
                             "needed for a movement it names), claims (an actor stands with an attribution verb but "
                             "holds no position on a debated question)."),
        *_CITATION,
    ),
    "questions": (
        _c("question_id", "string", "Id of the debated question."),
        _c("label", "string", "The question, in a few words."),
        _c("pole_a", "string", f"One answer (at most {POLE_MAX_CHARS} characters), written at the left end of its row "
                               "in the Debates view."),
        _c("pole_b", "string", "The opposite answer, written at the right end."),
        _c("poles_note", "string", "Why a pole has no claim (the texts name no holder for it); empty if none."),
        _c("claim_count", "integer", "Claims on this question."),
        *_CITATION, *_NOTE,
    ),
    "claims": (
        _c("claim_id", "string", "Id of the claim."),
        _c("question_id", "string", "Id of the question it answers.", ref="questions"),
        _c("holder_id", "string", "Id of the actor who holds it (historian, writer, politician, party, group).",
           ref="actors"),
        _c("stance", "string", "Where it stands: " + ", ".join(STANCES) + " (between the poles; neither pole)."),
        _c("summary", "string", f"The position in one line (at most {SUMMARY_MAX_CHARS} characters)."),
        _c("work_year", "integer", "Year of the work in which the holder says so, where the text gives it.",
           nullable=True),
        _c("about_actor_ids", "list", "Ids of the actors the claim is about.", ref="actors"),
        _c("about_event_ids", "list", "Ids of the events the claim is about.", ref="events"),
        *_CITATION, *_NOTE,
    ),
    "disagreements": (
        _c("disagreement_id", "string", "Id of the disagreement (built, not curated)."),
        _c("basis", "string", "dates (the sides' years differ) or figures (their numbers differ)."),
        _c("found_by", "string", "happening (records sharing a happening_id) or comparison (a curated pair)."),
        _c("happening_id", "string", "The happening both sides tell; empty for a curated pair."),
        _c("comparison_id", "string", "The curated pair (data/**/comparisons.yaml); empty when found by happening."),
        _c("what", "string", "What both sides date or count."),
        _c("overlap", "string", "contained (one side's span of years or figures lies inside the other's: the vaguer "
                                "or more open statement), overlapping or disjoint."),
        _c("a_record_ids", "list", "Ids of the records of side A (they state the same value); the first is quoted."),
        _c("a_doc_id", "string", "Id of the text of side A's quoted record."),
        _c("a_value", "string", "Side A's value as its text states it (the words of its quote: 'in the 1930s', "
                             "'nearly 700,000')."),
        _c("a_when", "string", "Side A's date as EDTF (its record's `when`); empty for a figure."),
        _c("a_figure", "string", "Side A's figure as read by its estimate (low–high, qualifier); empty for a date."),
        _c("a_quote", "string", "The quote of side A's first record, verbatim."),
        _c("a_char_start", "integer", "Offset of that quote in its text."),
        _c("a_char_end", "integer", "Offset just past that quote."),
        _c("a_passage_id", "string", "Id of the sentence that quote starts in."),
        _c("b_record_ids", "list", "Ids of the records of side B (they state the same value); the first is quoted."),
        _c("b_doc_id", "string", "Id of the text of side B's quoted record."),
        _c("b_value", "string", "Side B's value as its text states it (the words of its quote: 'in the 1930s', "
                             "'nearly 700,000')."),
        _c("b_when", "string", "Side B's date as EDTF (its record's `when`); empty for a figure."),
        _c("b_figure", "string", "Side B's figure as read by its estimate (low–high, qualifier); empty for a date."),
        _c("b_quote", "string", "The quote of side B's first record, verbatim."),
        _c("b_char_start", "integer", "Offset of that quote in its text."),
        _c("b_char_end", "integer", "Offset just past that quote."),
        _c("b_passage_id", "string", "Id of the sentence that quote starts in."),
        _c("note", "string", "The curated pair's note; empty if none."),
    ),
})
FRAME_NAMES = tuple(FRAME_COLUMNS)
# Frames whose rows a user can select (their ids share one namespace).
SELECTABLE = ("events", "places", "routes", "actors", "relations", "estimates", "periods", "claims")
PRIMARY_KEY = MappingProxyType({name: cols[0].name for name, cols in FRAME_COLUMNS.items()})
# Every reference between frames: (frame, column, referenced frame), from the columns' `ref`.
REFERENCES = tuple((name, c.name, c.ref) for name, cols in FRAME_COLUMNS.items() for c in cols if c.ref)

_PANDERA_DTYPE = MappingProxyType({"string": str, "integer": "Int64", "number": float, "boolean": bool, "list": object})


def _pandera_schema(name: str) -> pa.DataFrameSchema:
    import pandera.pandas as pa

    cols = {}
    for col in FRAME_COLUMNS[name]:
        checks = []
        if col.name in ("year_start", "year_end", "refined_year_start", "refined_year_end"):
            checks.append(pa.Check.in_range(YEAR_MIN, YEAR_MAX))
        if col.name == "lat":
            checks.append(pa.Check.in_range(-90, 90))
        if col.name == "lon":
            checks.append(pa.Check.in_range(-180, 180))
        if col.dtype == "list":
            checks.append(pa.Check(lambda s: s.map(lambda v: isinstance(v, tuple)).all(), error="not a tuple"))
        cols[col.name] = pa.Column(_PANDERA_DTYPE[col.dtype], checks=checks, nullable=col.nullable,
                                   unique=(col is FRAME_COLUMNS[name][0]))
    return pa.DataFrameSchema(cols, strict=True, ordered=True)


@lru_cache(maxsize=1)
def frame_schemas() -> MappingProxyType:
    """The pandera check of every frame. Built on first use: pandera is needed to build the frames, not to serve
    them (importing it costs a quarter of a second at every start)."""
    return MappingProxyType({name: _pandera_schema(name) for name in FRAME_COLUMNS})
