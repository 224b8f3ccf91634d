"""Campaign editing (services/campaign.py): formations, their pieces, commissions,
centres and piece types; role and centre; stranding confirmation; transmitted
candidatures untouched; audit; and `catalog export` round trips."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from ecandidat_tui import cli
from ecandidat_tui.services.campaign import form_values
from ecandidat_tui.services.errors import ConcurrentEdit, DomainError, Forbidden, ValidationFailed
from ecandidat_tui.store.models import AuditLog, Centre, Commission, Formation, PieceSubmission, PieceType


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def h(request):
    return request.getfixturevalue("ecandidat" if request.param == "sqlite" else "ecandidat_pg")


def new_values(h, code="FNEW", **extra):
    today = h.services.ctx.today()
    values = {"code": code, "titre": "Master Nouveau", "centre_code": "CTR-A", "commission_code": "COM-CTR-A",
              "date_debut_depot": today.strftime("%d/%m/%Y"),
              "date_fin_depot": (today + timedelta(days=10)).isoformat(),
              "date_limite_retour": (today + timedelta(days=20)).isoformat(), "pieces": ["IDENT"]}
    return values | extra


def audit_actions(h):
    with h.services.db.read_session() as s:
        return [a.action for a in s.exec(select(AuditLog).order_by(AuditLog.id)).all()]


def test_a_gestionnaire_creates_a_formation_of_their_centre_only(h):
    h.seed_staff_formation("CTR-A", "FA1")
    h.seed_staff_formation("CTR-B", "FB1")
    gest = h.seed_staff("gestionnaire", centres=["CTR-A"]).principal
    campaign = h.services.campaign
    assert {c.centre_code for c in campaign.commission_choices(gest)} == {"CTR-A"}
    result = campaign.save_formation(gest, new_values(h))
    assert result.applied and result.form.pieces == ("IDENT",) and result.form.centre_code == "CTR-A"
    assert h.services.catalog.formation_by_code("FNEW").titre == "Master Nouveau"
    with pytest.raises(Forbidden):
        campaign.save_formation(gest, new_values(h, "FNEW2", centre_code="CTR-B", commission_code="COM-CTR-B"))
    with pytest.raises(Forbidden):
        campaign.formation_form(gest, "FB1")
    with pytest.raises(DomainError, match="existe déjà"):
        campaign.save_formation(gest, new_values(h))
    support = h.seed_staff("support").principal
    with pytest.raises(Forbidden):
        campaign.save_formation(support, new_values(h, "FNEW3"))
    assert campaign.save_formation(gest, new_values(h, "FNOPIECE", pieces=[])).form.pieces == ()
    assert audit_actions(h).count("formation_create") == 2


def test_the_import_rules_refuse_in_french_under_the_field(h):
    h.seed_staff_formation("CTR-A", "FA1")
    admin = h.seed_staff("admin").principal
    with pytest.raises(ValidationFailed) as refused:
        h.services.campaign.save_formation(admin, new_values(h, "bad code", titre="", date_fin_depot="31/02/2026"))
    assert refused.value.errors == {"code": "Code invalide : lettres, chiffres, « _ », « - », « . ».",
                                    "titre": "Champ obligatoire.", "date_fin_depot": "Date invalide (JJ/MM/AAAA)."}
    today = h.services.ctx.today()
    with pytest.raises(ValidationFailed) as refused:
        h.services.campaign.save_formation(admin, new_values(h, date_limite_retour=(today + timedelta(days=5))
                                                               .isoformat()))
    assert refused.value.errors == {"date_limite_retour": "Doit être après la date de fin de dépôt."}
    with pytest.raises(DomainError, match="inconnu : NOPE"):
        h.services.campaign.save_formation(admin, new_values(h, pieces=["NOPE"]))
    assert "formation_create" not in audit_actions(h)


def test_removing_a_supplied_piece_asks_first_and_spares_transmitted_candidatures(h):
    h.seed_staff_formation("CTR-A", "FA1")
    waiting = h.seed_dossier(h.insert_candidate(nom="Attente").account_id, statut="en_attente")
    sent = h.seed_dossier(h.insert_candidate(nom="Transmis").account_id)
    gest = h.seed_staff("gestionnaire", centres=["CTR-A"]).principal
    campaign = h.services.campaign
    form = campaign.formation_form(gest, "FA1")
    assert form.pieces == ("IDENT", "RELEVE")
    values = form_values(form) | {"pieces": ["IDENT", "MOTIV"]}
    with h.services.db.session() as s:
        s.add(PieceType(code="MOTIV", libelle="Lettre de motivation"))
    preview = campaign.save_formation(gest, values, original=form)
    assert not preview.applied
    assert preview.impact.touched == 1
    assert preview.impact.question().startswith("Cette modification touche 1 candidature(s)")
    assert campaign.formation_form(gest, "FA1").pieces == ("IDENT", "RELEVE")  # nothing written
    done = campaign.save_formation(gest, values, original=form, confirm=True)
    assert done.applied and done.form.pieces == ("IDENT", "MOTIV")
    with h.services.db.read_session() as s:
        def pieces_of(cid):
            return sorted(s.exec(select(PieceType.code).join(PieceSubmission,
                                 PieceSubmission.piece_type_id == PieceType.id)
                                 .where(PieceSubmission.candidature_id == cid)).all())
        assert pieces_of(waiting.candidature_id) == ["IDENT", "MOTIV"]  # RELEVE gone, MOTIV asked
        assert pieces_of(sent.candidature_id) == ["IDENT", "RELEVE"]  # transmitted: as it was sent
    entry = [a for a in audit_actions(h) if a == "formation_update"]
    assert entry == ["formation_update"]


def test_a_deadline_moved_into_the_past_asks_with_the_count(h):
    h.seed_staff_formation("CTR-A", "FA1")
    for nom in ("Un", "Deux"):
        h.seed_dossier(h.insert_candidate(nom=nom).account_id, statut="en_attente")
    h.seed_dossier(h.insert_candidate(nom="Trois").account_id)  # transmitted: not stranded
    admin = h.seed_staff("admin").principal
    campaign = h.services.campaign
    form = campaign.formation_form(admin, "FA1")
    today = h.services.ctx.today()
    past = {"date_debut_depot": (today - timedelta(days=20)).isoformat(),
            "date_fin_depot": (today - timedelta(days=2)).isoformat(),
            "date_limite_retour": (today - timedelta(days=1)).isoformat()}
    result = campaign.save_formation(admin, form_values(form) | past, original=form)
    assert (result.applied, result.impact.touched) == (False, 2)
    assert campaign.save_formation(admin, form_values(form) | past, original=form, confirm=True).applied
    assert campaign.formation_form(admin, "FA1").date_fin_depot == today - timedelta(days=2)
    # A later date in the future strands nobody: no question.
    form = campaign.formation_form(admin, "FA1")
    later = {"date_fin_depot": (today + timedelta(days=3)).isoformat(),
             "date_limite_retour": (today + timedelta(days=9)).isoformat()}
    assert campaign.save_formation(admin, form_values(form) | later, original=form).applied


def test_a_change_made_elsewhere_meanwhile_is_not_overwritten(h):
    h.seed_staff_formation("CTR-A", "FA1")
    admin = h.seed_staff("admin").principal
    campaign = h.services.campaign
    form = campaign.formation_form(admin, "FA1")
    campaign.save_formation(admin, form_values(form) | {"titre": "Premier"}, original=form)
    with pytest.raises(ConcurrentEdit):
        campaign.save_formation(admin, form_values(form) | {"titre": "Second"}, original=form)
    assert campaign.formation_form(admin, "FA1").titre == "Premier"
    with pytest.raises(DomainError, match="code"):
        campaign.save_formation(admin, form_values(form) | {"code": "OTHER"}, original=replace(form))


def test_centres_commissions_and_piece_types_by_role(h):
    h.seed_staff_formation("CTR-A", "FA1")
    gest = h.seed_staff("gestionnaire", centres=["CTR-A"]).principal
    admin = h.seed_staff("admin").principal
    campaign = h.services.campaign
    with pytest.raises(Forbidden):
        campaign.save_centre(gest, {"code": "CTR-Z", "libelle": "Nouveau"}, create=True)
    campaign.save_centre(admin, {"code": "CTR-Z", "libelle": "Nouveau", "max_candidatures": "3"}, create=True)
    campaign.save_centre(gest, {"code": "CTR-A", "libelle": "Centre A renommé"}, create=False)
    with pytest.raises(Forbidden):
        campaign.save_centre(gest, {"code": "CTR-Z", "libelle": "Pas à moi"}, create=False)
    campaign.save_commission(gest, "CTR-A", {"code": "COM-CTR-A", "libelle": "Commission A",
                                             "telephone": "04 91 00 00 00", "mail": "scol@example.org"})
    with pytest.raises(ValidationFailed) as refused:
        campaign.save_commission(gest, "CTR-A", {"code": "COM-CTR-A", "libelle": "x", "mail": "pas une adresse"})
    assert refused.value.errors == {"mail": "Adresse mail invalide."}
    with pytest.raises(Forbidden):
        campaign.save_piece_type(gest, {"code": "CV", "libelle": "Curriculum vitae"})
    campaign.save_piece_type(admin, {"code": "CV", "libelle": "Curriculum vitae", "shared": True, "ordre": "4"})
    with h.services.db.read_session() as s:
        assert s.exec(select(Centre.max_candidatures).where(Centre.code == "CTR-Z")).one() == 3
        assert s.exec(select(Centre.libelle).where(Centre.code == "CTR-A")).one() == "Centre A renommé"
        assert s.exec(select(Commission.telephone).where(Commission.code == "COM-CTR-A")).one() == "04 91 00 00 00"
        assert s.exec(select(PieceType.shared).where(PieceType.code == "CV")).one() is True
    assert audit_actions(h)[-4:] == ["centre_create", "centre_update", "commission_save", "piece_type_save"]


# ------------------------------------------------------------------ export


def export_import(h, tmp_path, kind):
    path = tmp_path / f"catalog.{kind}"
    path.write_text(h.services.catalog.export_text(kind), encoding="utf-8")
    return h.services.catalog.import_file(path)


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_an_import_of_an_export_changes_nothing(h, tmp_path, kind):
    assert h.services.catalog.counts()["formations"] > 0  # the demo catalog
    report = export_import(h, tmp_path, kind)
    assert (report.created, report.updated) == (0, 0) and report.unchanged > 0
    # An edited catalog too: a new formation, moved dates, another piece list, a new centre.
    admin = h.seed_staff("admin").principal
    campaign = h.services.campaign
    choice = campaign.commission_choices(admin)[0]
    code = h.services.catalog.catalog_tree().centres[0].formations[0].code
    form = campaign.formation_form(admin, code)
    today = h.services.ctx.today()
    campaign.save_formation(admin, form_values(form) | {
        "date_limite_retour": (today + timedelta(days=90)).isoformat(), "pieces": ["PHOTO"],
        "url": "https://example.org/f", "mots_cles": "nouveau; mot", "ouverte": False}, original=form, confirm=True)
    campaign.save_formation(admin, {**form_values(form), "code": "EXPORT1", "titre": "Exportée",
                                    "centre_code": choice.centre_code, "commission_code": choice.code})
    campaign.save_piece_type(admin, {"code": "CV", "libelle": "CV, « détaillé »\nsur 2 lignes", "ordre": 12})
    before = h.services.catalog.export_text("json")
    report = export_import(h, tmp_path, kind)
    assert (report.created, report.updated) == (0, 0)
    assert h.services.catalog.export_text("json") == before


def test_the_export_holds_every_centre_and_formation(h):
    document = json.loads(h.services.catalog.export_text("json"))
    assert {"pieces", "centres"} == set(document)
    f = document["centres"][0]["commissions"][0]["formations"][0]
    assert set(f) == {"code", "titre", "mots_cles", "url", "mode", "date_debut_depot", "date_fin_depot",
                      "date_limite_retour", "date_preanalyse", "date_jury", "date_publication",
                      "date_confirmation", "pieces", "ouverte"}
    with h.services.db.read_session() as s:
        assert len(document["centres"]) == len(s.exec(select(Centre)).all())
        assert sum(len(k["formations"]) for c in document["centres"] for k in c["commissions"]) == len(
            s.exec(select(Formation)).all())


def test_cli_export_refuses_to_overwrite_unasked(tmp_path, monkeypatch, capsys):
    import os

    for name in list(os.environ):
        if name.startswith("ECANDIDAT_") and name != "ECANDIDAT_TEST_PG_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ECANDIDAT_HOME", str(tmp_path / "home"))
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"centres": [{"code": "C1", "libelle": "Centre 1", "commissions": [
        {"code": "K1", "libelle": "Commission", "formations": [
            {"code": "F1", "titre": "Licence", "date_debut_depot": "2026-03-01", "date_fin_depot": "2026-04-01",
             "date_limite_retour": "2026-04-15", "pieces": ["PHOTO"]}]}]}]}), encoding="utf-8")
    assert cli.main(["catalog", "import", str(source)]) == 0
    target = tmp_path / "out.csv"
    assert cli.main(["catalog", "export", str(target)]) == 0
    assert target.read_text(encoding="utf-8").splitlines()[0].startswith("centre_code,")
    capsys.readouterr()
    assert cli.main(["catalog", "export", str(target)]) == 1
    out, err = capsys.readouterr()
    assert err == f"{target} already exists (use --force to replace it)\n"
    assert cli.main(["catalog", "export", "--force", str(target)]) == 0
    capsys.readouterr()
    assert cli.main(["catalog", "import", str(target)]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("0 créé(s), 0 modifié(s), 4 inchangé(s)")
    assert cli.main(["catalog", "export"]) == 0
    assert json.loads(capsys.readouterr().out)["centres"][0]["code"] == "C1"


def test_two_saves_at_once_one_wins_the_other_is_refused(h):
    import threading

    h.seed_staff_formation("CTR-A", "FA1")
    admin = h.seed_staff("admin").principal
    campaign = h.services.campaign
    form = campaign.formation_form(admin, "FA1")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(titre):
        barrier.wait()
        try:
            campaign.save_formation(admin, form_values(form) | {"titre": titre}, original=form)
            outcomes.append(titre)
        except ConcurrentEdit:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(t,)) for t in ("Un", "Deux")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1 and outcomes.count("refused") == 1
    assert campaign.formation_form(admin, "FA1").titre == winners[0]


def test_a_gestionnaire_cannot_move_a_formation_out_of_their_centre(h):
    h.seed_staff_formation("CTR-A", "FA1")
    h.seed_staff_formation("CTR-B", "FB1")
    gest = h.seed_staff("gestionnaire", centres=["CTR-A"]).principal
    campaign = h.services.campaign
    form = campaign.formation_form(gest, "FA1")
    with pytest.raises(Forbidden):
        campaign.save_formation(gest, form_values(form) | {"centre_code": "CTR-B", "commission_code": "COM-CTR-B"},
                                original=form)
    other = campaign.formation_form(h.seed_staff("admin").principal, "FB1")
    with pytest.raises(Forbidden):  # nor edit another centre's formation by naming their own commission
        campaign.save_formation(gest, form_values(other) | {"centre_code": "CTR-A", "commission_code": "COM-CTR-A"},
                                original=other)
    assert campaign.formation_form(gest, "FA1").centre_code == "CTR-A"


def test_an_import_changing_pieces_treats_candidatures_as_the_console_does(h, tmp_path):
    h.seed_staff_formation("CTR-A", "FA1")
    waiting = h.seed_dossier(h.insert_candidate(nom="Attente").account_id, statut="en_attente")
    sent = h.seed_dossier(h.insert_candidate(nom="Transmis").account_id)
    document = json.loads(h.services.catalog.export_text("json"))
    for centre in document["centres"]:
        for commission in centre["commissions"]:
            for f in commission["formations"]:
                if f["code"] == "FA1":
                    f["pieces"] = ["IDENT", "PHOTO"]
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    report = h.services.catalog.import_file(path)
    assert report.updated == 1
    with h.services.db.read_session() as s:
        def pieces_of(cid):
            return sorted(s.exec(select(PieceType.code).join(PieceSubmission,
                                 PieceSubmission.piece_type_id == PieceType.id)
                                 .where(PieceSubmission.candidature_id == cid)).all())
        assert pieces_of(waiting.candidature_id) == ["IDENT", "PHOTO"]
        assert pieces_of(sent.candidature_id) == ["IDENT", "RELEVE"]


def test_a_closed_formation_takes_no_new_candidature_whatever_its_dates(h):
    formation_id = h.seed_open_formation("FOPEN", pieces=("PHOTO",))
    admin = h.seed_staff("admin").principal
    campaign = h.services.campaign
    form = campaign.formation_form(admin, "FOPEN")
    assert form.ouverte and h.services.catalog.formation_detail(formation_id).state == "open"
    closed = campaign.save_formation(admin, form_values(form) | {"ouverte": "non"}, original=form)
    assert closed.applied and closed.form.ouverte is False
    assert h.services.catalog.formation_detail(formation_id).state == "closed"
    assert next(f.state for c in h.services.catalog.catalog_tree().centres for f in c.formations
                if f.code == "FOPEN") == "closed"
    candidate = h.insert_candidate()
    with pytest.raises(DomainError, match="fermées"):
        h.seed_candidature(candidate.account_id, formation_id)
    with h.services.db.read_session() as s:
        details = s.exec(select(AuditLog.details).where(AuditLog.action == "formation_update")).one()
        assert json.loads(details)["changed"] == {"ouverte": "False"}
