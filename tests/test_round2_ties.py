"""Round 2 of the stated ties: the ties of groups, blocs, parties and states, and the movements the texts name.

The records live in data/<doc>/round2/. These tests pin a handful of ties by id (direction, type, dates, voices),
check that every round-2 movement sits in a family, and that no round-2 tie repeats one already recorded from the
same sentence.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from dashboard import paths

ROUND2 = sorted(paths.DATA_DIR.glob("*/round2"))


def _ids(kind: str, id_field: str) -> set[str]:
    out = set()
    for folder in ROUND2:
        f = folder / f"{kind}.yaml"
        if f.exists():
            out |= {r[id_field] for r in yaml.safe_load(f.read_text(encoding="utf-8")) or []}
    return out


def test_round2_folders_hold_records():
    assert {p.parent.name for p in ROUND2} == {"stalinism", "anti_stalinist_left"}
    assert len(_ids("relations", "relation_id")) >= 100
    assert len(_ids("movements", "movement_id")) >= 20


# (relation_id, source, type, target, when, according_to)
TIES = [
    ("rel_asl_r2_bolsheviks_persecuted_kronstadt_rebellion", "bolsheviks", "persecuted", "kronstadt_rebellion",
     "1921", ()),
    ("rel_asl_r2_libertarian_democratic_leftists_split_from_bolsheviks", "libertarian_democratic_leftists",
     "split_from", "bolsheviks", "1921", ()),
    ("rel_asl_r2_centre_faction_allied_with_right_opposition_faction", "centre_faction", "allied_with",
     "right_opposition_faction", "1924/1928", ()),
    ("rel_asl_r2_right_opposition_faction_expelled_united_opposition", "right_opposition_faction", "expelled",
     "united_opposition", "1927", ()),
    ("rel_asl_r2_stalin_persecuted_bukharin", "stalin", "persecuted", "bukharin", "1928/1930", ()),
    ("rel_asl_r2_spanish_communists_opposed_poum", "spanish_communists", "opposed", "poum", "1930/1939", ()),
    ("rel_asl_r2_beimler_leader_of_ugt_militia", "beimler", "leader_of", "ugt_militia", "1930/1939", ("hyslop",)),
    ("rel_asl_r2_soviet_union_member_of_german_soviet_italian_bloc", "soviet_union", "member_of",
     "german_soviet_italian_bloc", "1939/1953", ("swp_dissidents", "shachtman")),
    ("rel_asl_r2_shachtman_opposed_anglo_american_french_bloc", "shachtman", "opposed", "anglo_american_french_bloc",
     "1939/1953", ()),
    ("rel_asl_r2_khrushchev_member_of_triumvirate", "khrushchev", "member_of", "triumvirate", "1953/..", ()),
    ("rel_asl_r2_polish_army_persecuted_poznan_workers", "polish_army", "persecuted", "poznan_workers", "1956", ()),
    ("rel_asl_r2_soviet_union_persecuted_hungarian_revolutionaries", "soviet_union", "persecuted",
     "hungarian_revolutionaries", "1956", ()),
    ("rel_r2_leadership_blocs_expelled_left_opposition", "leadership_blocs", "expelled", "left_opposition", "",
     ("rogovin",)),
    ("rel_r2_lenin_opposed_stalin", "lenin", "opposed", "stalin", "", ("khrushchev",)),
    ("rel_r2_shachtman_split_from_trotskyists", "shachtman", "split_from", "trotskyists", "../1950~", ()),
    ("rel_r2_milyutin_member_of_lenins_cabinet", "milyutin", "member_of", "lenins_cabinet", "", ()),
    ("rel_asl_r2_stalin_criticized_luxemburg", "stalin", "criticized", "luxemburg", "", ("trotsky",)),
    ("rel_r2_stalin_persecuted_german_communists", "stalin", "persecuted", "german_communists", "", ("rogovin",)),
]


@pytest.mark.parametrize("rid,source,rtype,target,when,according_to", TIES, ids=[t[0] for t in TIES])
def test_tie_reads_source_relation_target(frames, rid, source, rtype, target, when, according_to):
    rel = frames["relations"].set_index("relation_id")
    assert rid in rel.index, rid
    row = rel.loc[rid]
    assert (row["source_id"], row["relation_type"], row["target_id"]) == (source, rtype, target)
    assert row["when"] == when
    assert tuple(row["according_to"]) == according_to


def test_open_ends_stay_open(frames):
    rel = frames["relations"].set_index("relation_id")
    tri = rel.loc["rel_asl_r2_triumvirate_leader_of_soviet_union"]
    assert tri["year_start"] == 1953 and pd.isna(tri["year_end"])
    by = rel.loc["rel_r2_shachtman_split_from_trotskyists"]
    assert pd.isna(by["year_start"]) and by["year_end"] == 1950   # "By the mid-20th century": ../1950~


def test_spanish_civil_war_ties_keep_the_texts_span_and_refine_it(frames):
    rel = frames["relations"]
    spain = rel[rel["relation_id"].str.startswith("rel_asl_r2_spanish_communists_")]
    assert len(spain) == 4
    assert set(spain["when"]) == {"1930/1939"}
    assert set(spain["when_refined"]) == {"1936/1939"}
    assert spain["outside_text"].str.contains("1936").all()
    assert spain["section"].str.contains("1930–1939").all()


def test_every_round2_movement_has_a_family(frames):
    mv = frames["movements"].set_index("movement_id")
    families = set(mv.index[mv["family_id"] == mv.index])
    mine = _ids("movements", "movement_id")
    assert mine and mine <= set(mv.index)
    for mid in mine:
        fam = mv.loc[mid, "family_id"]
        assert fam != mid, f"{mid} is a family itself"
        assert fam in families, f"{mid}: {fam} is not a family"
        assert mv.loc[mid, "color"] == mv.loc[fam, "color"]
    assert mv.loc["bureaucratic_collectivism", "family_id"] == "trotskyism"
    assert mv.loc["hoxhaism", "family_id"] == "maoism_hoxhaism"
    assert mv.loc["eurocommunism", "family_id"] == "reform_communism"


def test_no_executor_is_read_into_a_passive_sentence(frames):
    # "all of the members of Lenin's original cabinet ... were executed": the sentence names no executor
    rel = frames["relations"]
    cabinet = rel[rel["target_id"] == "lenins_cabinet"]
    assert set(cabinet["relation_type"]) == {"member_of"}


def test_a_family_the_text_does_not_give_is_flagged(frames):
    mv = frames["movements"].set_index("movement_id")
    for mid in ("eurocommunism", "soviet_dissident_left", "new_york_intellectuals_movement", "opposition_bloc_1932"):
        assert "family assigned by the editor" in mv.loc[mid, "outside_text"], mid


def test_no_round2_tie_repeats_an_existing_one_from_the_same_passage(frames):
    rel = frames["relations"]
    mine = _ids("relations", "relation_id")
    assert mine <= set(rel["relation_id"])
    key = ["source_id", "target_id", "relation_type", "passage_id"]
    new = rel[rel["relation_id"].isin(mine)]
    old = rel[~rel["relation_id"].isin(mine)]
    clash = new.merge(old, on=key)
    assert clash.empty, clash[["relation_id_x", "relation_id_y"]].to_string()
    assert not new.duplicated(key).any(), new[new.duplicated(key, keep=False)][["relation_id", *key]].to_string()


def test_round2_group_actors_are_groups(frames):
    act = frames["actors"].set_index("actor_id")
    mine = _ids("actors", "actor_id")
    for aid in mine:
        assert act.loc[aid, "actor_type"] != "person", aid
    rel = frames["relations"]
    used = set(rel["source_id"]) | set(rel["target_id"])
    assert mine <= used, f"actors with no tie: {sorted(mine - used)}"
