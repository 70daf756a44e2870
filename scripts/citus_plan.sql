-- Citus, distribution by province: the calls in order (docs/scaling.md, Step 4). A plan, NOT run anywhere:
-- Citus is not installable on this machine (Debian 12 ships no postgresql-15-citus; it comes from Citus's own
-- package repository), and nothing in CI runs this file. tests/scaling/test_citus_plan.py checks it against the
-- models: every table of the project is named exactly once below (distributed, reference or local), no reference
-- table has a foreign key to a distributed one (Citus refuses it), and no distributed table points at a local one.
--
-- Before this file (on the single primary, by ordinary Django migrations, no Citus needed):
--   1. add `province_id bigint` to every table of section 3, backfilled from units_unit.province_id (step 2),
--      then NOT NULL, and indexed first in every index that starts with the unit;
--   2. add `units_unit.province_id`: the id of the post-2025 province that owns the unit today; for a pre-reform
--      unit, the province of its primary successor followed to a current unit (units_succession.primary), so a
--      commune's history and its trend across the reform stay on one shard; 0 for the nation and anything above
--      the provinces (rows that belong to no province: national reports, national rollup rows);
--   3. primary keys become (id, province_id) (Django keeps `id` as the model's key, as for partitions: ids come
--      from one bigint sequence), each unique constraint gains province_id (the unit determines it, so nothing
--      it allowed before is refused), and each foreign key between two distributed tables becomes composite
--      (child.x_id, child.province_id) → parent(id, province_id) (db_constraint=False on the Django side, the
--      constraint in RunSQL); the awards → recognitions and awards → reports many-to-many tables get an
--      explicit `through` model carrying province_id.
-- On the coordinator, once: CREATE EXTENSION citus; SELECT citus_set_coordinator_host('<coordinator>', 5432);
-- SELECT citus_add_node('<worker-1>', 5432); … (the coordinator in the metadata lets local tables keep their
-- foreign keys to reference tables).

BEGIN;

-- 1. Reference tables: small, read by every query, written rarely; one full copy on every node. Referenced tables
--    before the tables that reference them.
SELECT create_reference_table('django_content_type');
SELECT create_reference_table('auth_permission');
SELECT create_reference_table('auth_group');
SELECT create_reference_table('auth_group_permissions');
SELECT create_reference_table('core_user');
SELECT create_reference_table('core_user_groups');
SELECT create_reference_table('core_user_user_permissions');
SELECT create_reference_table('core_historicaluser');
SELECT create_reference_table('units_unit');
SELECT create_reference_table('units_historicalunit');
SELECT create_reference_table('units_succession');
SELECT create_reference_table('units_membership');
SELECT create_reference_table('units_historicalmembership');
SELECT create_reference_table('definitions_category');
SELECT create_reference_table('definitions_historicalcategory');
SELECT create_reference_table('definitions_categoryoption');
SELECT create_reference_table('definitions_historicalcategoryoption');
SELECT create_reference_table('definitions_dataelement');
SELECT create_reference_table('definitions_historicaldataelement');
SELECT create_reference_table('definitions_indicatordefinition');
SELECT create_reference_table('definitions_historicalindicatordefinition');
SELECT create_reference_table('definitions_reportform');
SELECT create_reference_table('definitions_historicalreportform');
SELECT create_reference_table('definitions_reportformversion');
SELECT create_reference_table('definitions_historicalreportformversion');
SELECT create_reference_table('definitions_formsection');
SELECT create_reference_table('definitions_historicalformsection');
SELECT create_reference_table('definitions_formfield');
SELECT create_reference_table('definitions_historicalformfield');
SELECT create_reference_table('definitions_validationrule');
SELECT create_reference_table('definitions_historicalvalidationrule');
SELECT create_reference_table('definitions_unitgroup');
SELECT create_reference_table('definitions_historicalunitgroup');
SELECT create_reference_table('definitions_unitgroup_units');
SELECT create_reference_table('definitions_historicalunitgroup_units');
SELECT create_reference_table('campaigns_campaign');
SELECT create_reference_table('campaigns_historicalcampaign');
SELECT create_reference_table('campaigns_phase');
SELECT create_reference_table('campaigns_plan');
SELECT create_reference_table('campaigns_historicalplan');
SELECT create_reference_table('campaigns_target');
SELECT create_reference_table('campaigns_historicaltarget');
SELECT create_reference_table('documents_legalbasis');
SELECT create_reference_table('documents_historicallegalbasis');
SELECT create_reference_table('documents_issuingbody');
SELECT create_reference_table('documents_historicalissuingbody');
-- The register of acts: numbered per issuing body (the counter row is locked to take a number), and an act's
-- issuer and subject may lie in different provinces (a national certificate for a household): one place.
SELECT create_reference_table('documents_registercounter');
SELECT create_reference_table('documents_document');
SELECT create_reference_table('documents_historicaldocument');
SELECT create_reference_table('titles_titletype');
SELECT create_reference_table('titles_historicaltitletype');
SELECT create_reference_table('titles_approvalrule');
SELECT create_reference_table('titles_historicalapprovalrule');
SELECT create_reference_table('titles_criteriaset');
SELECT create_reference_table('titles_criterion');
SELECT create_reference_table('titles_levelthreshold');
-- A recognition decision may be issued by a body above the province for units of several provinces.
SELECT create_reference_table('titles_decision');
SELECT create_reference_table('reports_reportinground');
SELECT create_reference_table('awards_awardform');
SELECT create_reference_table('awards_historicalawardform');
SELECT create_reference_table('awards_decidingpower');
SELECT create_reference_table('awards_historicaldecidingpower');
SELECT create_reference_table('awards_council');
SELECT create_reference_table('awards_historicalcouncil');
SELECT create_reference_table('awards_councilmember');
SELECT create_reference_table('awards_historicalcouncilmember');
SELECT create_reference_table('awards_votingrule');
SELECT create_reference_table('awards_historicalvotingrule');
-- A national council's session reviews nominations of every province.
SELECT create_reference_table('awards_reviewsession');
SELECT create_reference_table('awards_sessionattendance');
SELECT create_reference_table('awards_decision');
SELECT create_reference_table('awards_historicaldecision');

COMMIT;

-- 2. One shard per province: 64 hash shards for the co-location group, then each province isolated into a shard of
--    its own (isolate_tenant_to_new_shard, below), so the largest provinces can be moved to nodes of their own.
SET citus.shard_count = 64;

-- 3. Distributed tables, all co-located with units_household on province_id: a province's registries, titles,
--    reports, rollups and awards live on one node, and a query carrying `province_id = …` runs on that node alone.
--    The _concurrently form copies a filled table without blocking writes (Citus 11.1 and later; it needs the
--    primary key of step 3 above as replica identity). It cannot run inside a transaction block: one call each.
SELECT create_distributed_table_concurrently('units_household', 'province_id');
SELECT create_distributed_table_concurrently('units_historicalhousehold', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('units_clan', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('units_historicalclan', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('units_citizen', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('units_historicalcitizen', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('titles_evaluation', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('titles_criterionresult', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('titles_evidence', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('titles_evaluationlist', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('titles_listentry', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('titles_importjob', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('titles_recognition', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_report', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_reportfigure', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_reportvalue', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_reporttransition', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_reportattachment', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_deadlineextension', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_extensionrequest', 'province_id', colocate_with => 'units_household');
-- Rollups: each province's rows with it; the rows of the nation (province_id 0) on the shard that holds 0.
SELECT create_distributed_table_concurrently('reports_statrollup', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_valuerollup', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('reports_statsdirty', 'province_id', colocate_with => 'units_household');
-- Awards follow the nominee's province (a national award for a household lives with the household).
SELECT create_distributed_table_concurrently('awards_nomination', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_historicalnomination', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_nomination_recognitions', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_nomination_reports', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_nominationstep', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_nominationattachment', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_agendaitem', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_recusal', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_voterroll', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_sealedballot', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_ballot', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_openvote', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_award', 'province_id', colocate_with => 'units_household');
SELECT create_distributed_table_concurrently('awards_historicalaward', 'province_id', colocate_with => 'units_household');

-- 4. Each province (and 0, the nation) in a shard of its own, for the whole co-location group, then spread.
SELECT isolate_tenant_to_new_shard('units_household', p.province_id, 'CASCADE')
  FROM (SELECT DISTINCT province_id FROM units_unit WHERE level IN ('nation', 'province')) AS p;
SELECT rebalance_table_shards('units_household');

-- 5. Local tables: stay on the coordinator only (never joined with a distributed table; their foreign keys to
--    reference tables hold because the coordinator is in the metadata):
-- local: django_migrations, django_session, django_admin_log, authtoken_token, axes_accessattempt,
-- local: axes_accessattemptexpiration, axes_accessfailurelog, axes_accesslog, reports_reminderdigest
