// @ts-check

/**
 * The live inventory of Argo CD Applications: which replica holds each
 * instance's watch stream (a lease), each instance's state, and the compact
 * projection of every Application with a change sequence that readers
 * follow.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('datastack_inventory_leases', table => {
    table.comment(
      'Which replica holds the watch stream of each Argo CD instance',
    );
    table.string('instance').primary().notNullable();
    table.string('holder').notNullable();
    table.bigInteger('expires_at').notNullable().comment('epoch milliseconds');
  });
  await knex.schema.createTable('datastack_inventory_instances', table => {
    table.comment('The inventory state of each Argo CD instance');
    table.string('instance').primary().notNullable();
    table.string('state').notNullable();
    table.string('since').notNullable();
    table.text('message').nullable();
    table.string('resource_version').nullable();
    table
      .string('as_of')
      .nullable()
      .comment('when the projection was last known current');
    table.bigInteger('seq').notNullable().comment('the last change written');
    table.string('holder').nullable();
  });
  await knex.schema.createTable('datastack_inventory_applications', table => {
    table.comment('The compact projection of each Argo CD Application');
    table.string('instance').notNullable();
    table.string('app_key', 512).notNullable().comment('namespace/name');
    table.bigInteger('seq').notNullable();
    table.boolean('deleted').notNullable();
    table.string('resource_version').nullable();
    table.text('doc', 'longtext').nullable().comment('JSON Application');
    table.primary(['instance', 'app_key']);
    table.index(
      ['instance', 'seq'],
      'datastack_inventory_applications_seq_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('datastack_inventory_applications');
  await knex.schema.dropTable('datastack_inventory_instances');
  await knex.schema.dropTable('datastack_inventory_leases');
};
