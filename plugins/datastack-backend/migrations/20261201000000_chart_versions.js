// @ts-check

/**
 * Chart versions read from each component's chart repository, and the parts
 * of chart archives that values diffs read.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('datastack_chart_versions', table => {
    table.comment('Versions of each data-stack component chart');
    table.string('component_id').primary().notNullable();
    table.text('repository').notNullable();
    table.string('chart').notNullable();
    table.text('etag').nullable();
    table.text('last_modified').nullable();
    table.string('fetched_at').nullable().comment('last successful fetch');
    table.string('checked_at').notNullable().comment('last attempt');
    table.text('error').nullable().comment('why the last attempt failed');
    table
      .text('releases', 'longtext')
      .notNullable()
      .comment('JSON ChartRelease[]');
  });
  await knex.schema.createTable('datastack_chart_archives', table => {
    table.comment('values.yaml and values.schema.json of chart versions');
    table.string('archive_key', 512).primary().notNullable();
    table.text('values_yaml', 'longtext').notNullable();
    table.text('values_schema', 'longtext').nullable();
    table.string('fetched_at').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('datastack_chart_archives');
  await knex.schema.dropTable('datastack_chart_versions');
};
