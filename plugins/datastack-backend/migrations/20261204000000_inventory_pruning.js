// @ts-check

/**
 * Deleted Applications leave a tombstone row that readers follow; the
 * holder prunes tombstones once every replica has had time to read them,
 * and records through which sequence number it did, so a reader that was
 * further behind reads the instance again instead of keeping a ghost.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('datastack_inventory_instances', table => {
    table
      .bigInteger('pruned_seq')
      .notNullable()
      .defaultTo(0)
      .comment('tombstones up to this sequence number were pruned');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('datastack_inventory_instances', table => {
    table.dropColumn('pruned_seq');
  });
};
