import { startArgoCdSandbox } from '@datastack/argocd-sandbox';
import { ArgoCdClient } from '@datastack/plugin-datastack-node';
import { readCustomResourceStatus, readsKind } from './customResourceStatus';

/** A live object as Argo CD's GET …/resource answers it (parsed). */
function live(
  apiVersion: string,
  kind: string,
  status: unknown,
  metadata: Record<string, unknown> = {},
  spec?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion,
    kind,
    metadata: {
      name: 'orders',
      namespace: 'payments',
      generation: 1,
      uid: '0b7e2c1f-5a9d-4c3e-8f21-6d0a9b3c7e45',
      ...metadata,
    },
    ...(spec ? { spec } : {}),
    ...(status === undefined ? {} : { status }),
  };
}

describe('readCustomResourceStatus', () => {
  describe('Strimzi Kafka', () => {
    const kafka = (status: unknown, generation = 1) =>
      live('kafka.strimzi.io/v1', 'Kafka', status, { generation });

    it('is Healthy when Ready, with the Kafka and metadata versions', () => {
      // KafkaAssemblyOperator's successful reconciliation (Ready True, no
      // reason) and KafkaStatus's fields, api/…/kafka/KafkaStatus.java.
      expect(
        readCustomResourceStatus(
          kafka(
            {
              conditions: [
                {
                  type: 'Ready',
                  status: 'True',
                  lastTransitionTime: '2026-01-14T10:09:40.118Z',
                },
              ],
              observedGeneration: 1,
              listeners: [
                {
                  name: 'plain',
                  addresses: [
                    { host: 'orders-kafka-bootstrap.payments.svc', port: 9092 },
                  ],
                  bootstrapServers: 'orders-kafka-bootstrap.payments.svc:9092',
                },
              ],
              kafkaNodePools: [{ name: 'dual-role' }],
              clusterId: 'Vq2n1x8sT0mKfA7bC3dE9g',
              operatorLastSuccessfulVersion: '0.47.0',
              kafkaVersion: '4.0.0',
              kafkaMetadataVersion: '4.0-IV3',
            },
            1,
          ),
        ),
      ).toEqual({
        status: 'Healthy',
        message: 'Kafka cluster orders is ready',
        facts: { kafkaVersion: '4.0.0', metadataVersion: '4.0-IV3' },
      });
    });

    it('names a Warning next to Ready', () => {
      // Argo CD resource_customizations/kafka.strimzi.io/Kafka/testdata/healthy.yaml
      const reading = readCustomResourceStatus(
        kafka({
          conditions: [
            {
              lastTransitionTime: '2021-02-22T16:05:43+0000',
              message:
                'A Kafka cluster with a single replica and ephemeral storage will lose topic messages after any restart or rolling update',
              reason: 'KafkaStorage',
              status: 'True',
              type: 'Warning',
            },
            {
              lastTransitionTime: '2021-02-22T16:05:47+0000',
              status: 'True',
              type: 'Ready',
            },
          ],
          observedGeneration: 1,
        }),
      );
      expect(reading?.status).toBe('Healthy');
      expect(reading?.message).toBe(
        'Kafka cluster orders is ready (1 warning: KafkaStorage: A Kafka cluster with a single replica and ephemeral storage will lose topic messages after any restart or rolling update)',
      );
      expect(reading?.action).toBeUndefined();
    });

    it('is Progressing while Strimzi deploys it (NotReady, reason Creating)', () => {
      // KafkaAssemblyOperator.initialStatus(): observedGeneration is a
      // primitive long, so 0 until reconciled.
      const reading = readCustomResourceStatus(
        kafka({
          conditions: [
            {
              type: 'NotReady',
              status: 'True',
              lastTransitionTime: '2026-01-14T10:02:11.402Z',
              reason: 'Creating',
              message: 'Kafka cluster is being deployed',
            },
          ],
          observedGeneration: 0,
        }),
      );
      expect(reading).toEqual({
        status: 'Progressing',
        message:
          'Kafka orders is being deployed: Kafka cluster is being deployed',
        action: expect.stringContaining('logs deploy/strimzi-cluster-operator'),
      });
    });

    it('is Degraded when NotReady, with the reason and the operator log to read', () => {
      // Argo CD resource_customizations/kafka.strimzi.io/Kafka/testdata/degraded.yaml
      const reading = readCustomResourceStatus(
        kafka({
          clusterId: '463lY141TCqd6DDvPj5EDw',
          conditions: [
            {
              lastTransitionTime: '2021-02-22T16:05:43+0000',
              message:
                'Exceeded timeout of 300000ms while waiting for StatefulSet resource my-cluster-zookeeper in namespace default to be ready',
              reason: 'TimeoutException',
              status: 'True',
              type: 'NotReady',
            },
          ],
          observedGeneration: 1,
        }),
      );
      expect(reading).toEqual({
        status: 'Degraded',
        message:
          'Kafka orders is not ready: TimeoutException: Exceeded timeout of 300000ms while waiting for StatefulSet resource my-cluster-zookeeper in namespace default to be ready',
        action:
          'Check the Strimzi cluster operator log for payments/orders: kubectl -n <operator namespace> logs deploy/strimzi-cluster-operator',
      });
    });

    it('is Progressing when Strimzi has not reconciled the latest generation', () => {
      const reading = readCustomResourceStatus(
        kafka(
          {
            conditions: [{ type: 'Ready', status: 'True' }],
            observedGeneration: 2,
            kafkaVersion: '4.0.0',
          },
          3,
        ),
      );
      expect(reading?.status).toBe('Progressing');
      expect(reading?.message).toBe(
        'Strimzi has not reconciled the latest change to Kafka orders yet (generation 3, reconciled 2)',
      );
      expect(reading?.action).toMatch(/^Wait for the next reconciliation/);
    });

    it('is Progressing without a status, and Suspended when reconciliation is paused', () => {
      expect(readCustomResourceStatus(kafka(undefined))).toEqual(
        expect.objectContaining({
          status: 'Progressing',
          message:
            'Kafka orders has no status yet: Strimzi has not reconciled it',
        }),
      );
      // Strimzi's ReconciliationPaused condition (strimzi.io/pause-reconciliation).
      expect(
        readCustomResourceStatus(
          kafka({
            conditions: [
              {
                type: 'ReconciliationPaused',
                status: 'True',
                lastTransitionTime: '2026-01-14T10:02:11.402Z',
              },
            ],
            observedGeneration: 1,
          }),
        ),
      ).toEqual(
        expect.objectContaining({
          status: 'Suspended',
          action: expect.stringContaining(
            'kubectl -n payments annotate kafka orders strimzi.io/pause-reconciliation-',
          ),
        }),
      );
    });

    it('accepts the v1beta2 API of Strimzi before 1.0', () => {
      const reading = readCustomResourceStatus({
        ...kafka({ conditions: [{ type: 'Ready', status: 'True' }] }),
        apiVersion: 'kafka.strimzi.io/v1beta2',
      });
      expect(reading?.status).toBe('Healthy');
    });
  });

  describe('Strimzi KafkaNodePool and KafkaTopic', () => {
    it('reads a node pool from its size and generation (Strimzi writes no Ready on it)', () => {
      // KafkaPool.generateNodePoolStatus() and KafkaReconciler's observedGeneration.
      const status = {
        conditions: [],
        observedGeneration: 1,
        nodeIds: [0, 1, 2],
        clusterId: 'Vq2n1x8sT0mKfA7bC3dE9g',
        roles: ['controller', 'broker'],
        replicas: 3,
        labelSelector:
          'strimzi.io/cluster=orders,strimzi.io/name=orders-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=dual-role',
      };
      const pool = (replicas: number) =>
        live(
          'kafka.strimzi.io/v1',
          'KafkaNodePool',
          status,
          { name: 'dual-role', labels: { 'strimzi.io/cluster': 'orders' } },
          { replicas, roles: ['controller', 'broker'] },
        );
      expect(readCustomResourceStatus(pool(3))).toEqual({
        status: 'Healthy',
        message: 'KafkaNodePool dual-role has 3 nodes (controller, broker)',
        facts: { replicas: '3', roles: 'controller,broker', nodeIds: '0,1,2' },
      });
      expect(readCustomResourceStatus(pool(5))).toEqual(
        expect.objectContaining({
          status: 'Progressing',
          message: 'KafkaNodePool dual-role is being scaled: 3 of 5 nodes',
        }),
      );
    });

    it('is Degraded when the topic operator could not create a topic', () => {
      // BatchingTopicController.updateStatusForException: Ready False with
      // TopicOperatorException's reason.
      const reading = readCustomResourceStatus(
        live(
          'kafka.strimzi.io/v1',
          'KafkaTopic',
          {
            conditions: [
              {
                type: 'Ready',
                status: 'False',
                lastTransitionTime: '2026-01-14T10:02:11.402Z',
                reason: 'KafkaError',
                message:
                  'org.apache.kafka.common.errors.InvalidReplicationFactorException: Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.',
              },
            ],
            observedGeneration: 1,
            topicName: 'payments.v1',
          },
          { name: 'payments-v1', labels: { 'strimzi.io/cluster': 'events' } },
        ),
      );
      expect(reading).toEqual({
        status: 'Degraded',
        message: expect.stringMatching(
          /^KafkaTopic payments-v1 is not ready: KafkaError: org\.apache\.kafka\.common\.errors\.InvalidReplicationFactorException: Unable to replicate/,
        ),
        action:
          'Check the topic operator log: kubectl -n payments logs deploy/events-entity-operator -c topic-operator',
        facts: { topicName: 'payments.v1' },
      });
      expect(reading!.message.length).toBeLessThanOrEqual(300);
    });

    it("reads the older topic operator's NotReady too", () => {
      // Argo CD resource_customizations/kafka.strimzi.io/KafkaTopic/testdata/degraded.yaml
      const reading = readCustomResourceStatus(
        live('kafka.strimzi.io/v1beta2', 'KafkaTopic', {
          conditions: [
            {
              lastTransitionTime: '2021-02-22T16:10:55.003372Z',
              message:
                'Invalid value abcd for configuration retention.ms: Not a number of type LONG',
              reason: 'InvalidConfigurationException',
              status: 'True',
              type: 'NotReady',
            },
          ],
          observedGeneration: 1,
        }),
      );
      expect(reading?.status).toBe('Degraded');
      expect(reading?.message).toContain(
        'InvalidConfigurationException: Invalid value abcd for configuration retention.ms',
      );
    });
  });

  describe('FlinkDeployment', () => {
    const flink = (status: unknown, generation = 2) =>
      live('flink.apache.org/v1beta1', 'FlinkDeployment', status, {
        name: 'fraud-detection',
        generation,
      });
    /** FlinkDeploymentStatus of a stable application-mode job (operator 1.x). */
    const stable = {
      jobStatus: {
        jobName: 'Fraud detection',
        jobId: '6c2b1e6a2d4e0e3f8c1a2b3c4d5e6f70',
        state: 'RUNNING',
        startTime: '1768384931000',
        updateTime: '1768384960000',
        checkpointInfo: { lastPeriodicCheckpointTimestamp: 0 },
        savepointInfo: {
          lastPeriodicSavepointTimestamp: 0,
          savepointHistory: [],
        },
      },
      observedGeneration: 2,
      lifecycleState: 'STABLE',
      clusterInfo: { 'flink-version': '1.20.1', 'total-cpu': '2.0' },
      jobManagerDeploymentStatus: 'READY',
      reconciliationStatus: {
        reconciliationTimestamp: 1768384931000,
        lastReconciledSpec: '{"spec":{},"resource_metadata":{}}',
        lastStableSpec: '{"spec":{},"resource_metadata":{}}',
        state: 'DEPLOYED',
      },
      taskManager: {
        labelSelector: 'component=taskmanager,app=fraud-detection',
        replicas: 1,
      },
      conditions: [
        {
          type: 'Running',
          status: 'True',
          reason: 'Running',
          message: 'Job status RUNNING',
        },
      ],
    };

    it('is Healthy when stable and running', () => {
      expect(readCustomResourceStatus(flink(stable))).toEqual({
        status: 'Healthy',
        message:
          'Flink job "Fraud detection" of FlinkDeployment fraud-detection is running',
        facts: {
          lifecycleState: 'STABLE',
          jobState: 'RUNNING',
          jobManager: 'READY',
        },
      });
    });

    it('is Degraded when the job failed, pointing at the JobManager log', () => {
      // CommonStatus.getLifecycleState(): job FAILED → lifecycleState FAILED.
      const reading = readCustomResourceStatus(
        flink({
          ...stable,
          lifecycleState: 'FAILED',
          jobStatus: { ...stable.jobStatus, state: 'FAILED' },
          conditions: [
            {
              type: 'Running',
              status: 'False',
              reason: 'Failed',
              message: 'Job status FAILED',
            },
          ],
        }),
      );
      expect(reading).toEqual({
        status: 'Degraded',
        message:
          'Flink job "Fraud detection" of FlinkDeployment fraud-detection failed: job FAILED',
        action:
          'Read the JobManager log: kubectl -n payments logs deploy/fraud-detection',
        facts: {
          lifecycleState: 'FAILED',
          jobState: 'FAILED',
          jobManager: 'READY',
        },
      });
    });

    it("reads the operator's error, a FlinkResourceException as JSON", () => {
      // FlinkResourceExceptionUtils.updateFlinkResourceException: {type, message, …}.
      const error = JSON.stringify({
        type: 'org.apache.flink.kubernetes.operator.exception.ValidationException',
        message: 'Job parallelism must be larger than 0',
        additionalMetadata: {},
        throwableList: [],
      });
      const reading = readCustomResourceStatus(
        flink({ ...stable, lifecycleState: 'UPGRADING', error }),
      );
      expect(reading?.status).toBe('Degraded');
      expect(reading?.message).toBe(
        'Flink job "Fraud detection" of FlinkDeployment fraud-detection cannot be reconciled: ValidationException: Job parallelism must be larger than 0',
      );
    });

    it('reads the 0.1 shape: JobManager ERROR with the error in reconciliationStatus', () => {
      // Argo CD resource_customizations/flink.apache.org/FlinkDeployment/testdata/degraded_error.yaml
      const reading = readCustomResourceStatus(
        flink({
          jobManagerDeploymentStatus: 'ERROR',
          reconciliationStatus: {
            error:
              "org.apache.flink.configuration.IllegalConfigurationException: TaskManager memory configuration failed: Cannot read memory size from config option ''taskmanager.memory.network.max''.",
            success: false,
          },
        }),
      );
      expect(reading?.status).toBe('Degraded');
      expect(reading?.message).toContain(
        'TaskManager memory configuration failed',
      );
      expect(reading?.action).toBe(
        'Read the JobManager log: kubectl -n payments logs deploy/fraud-detection',
      );
    });

    it.each([
      ['DEPLOYED', 'RECONCILING', 'DEPLOYING', 'Progressing'],
      ['UPGRADING', 'RECONCILING', 'DEPLOYING', 'Progressing'],
      ['ROLLING_BACK', 'RECONCILING', 'DEPLOYING', 'Progressing'],
      ['ROLLED_BACK', 'RUNNING', 'READY', 'Degraded'],
      ['SUSPENDED', 'SUSPENDED', 'MISSING', 'Suspended'],
      ['STABLE', 'RESTARTING', 'READY', 'Degraded'],
      ['CREATED', null, 'MISSING', 'Progressing'],
    ])(
      'lifecycle %s, job %s, JobManager %s is %s, with an action',
      (lifecycleState, state, jm, expected) => {
        const reading = readCustomResourceStatus(
          flink({
            ...stable,
            lifecycleState,
            jobStatus: { ...stable.jobStatus, state },
            jobManagerDeploymentStatus: jm,
          }),
        );
        expect(reading?.status).toBe(expected);
        expect(reading?.action).toEqual(expect.any(String));
      },
    );

    it('is Progressing when the operator has not reconciled the latest generation', () => {
      const reading = readCustomResourceStatus(
        flink({ ...stable, observedGeneration: 1 }, 2),
      );
      expect(reading?.status).toBe('Progressing');
      expect(reading?.message).toContain(
        'has not reconciled the latest change',
      );
    });

    it('is Unknown for a lifecycle state it does not know', () => {
      const reading = readCustomResourceStatus(
        flink({ ...stable, lifecycleState: 'EXPLODED' }),
      );
      expect(reading?.status).toBe('Unknown');
      expect(reading?.message).toContain('lifecycle state EXPLODED');
    });
  });

  describe('SparkApplication', () => {
    const spark = (status: unknown) =>
      live('sparkoperator.k8s.io/v1beta2', 'SparkApplication', status, {
        name: 'spark-job-app',
      });

    it('is Degraded when FAILED, with the error and the describe command', () => {
      // Argo CD resource_customizations/sparkoperator.k8s.io/SparkApplication/testdata/degraded.yaml
      const reading = readCustomResourceStatus(
        spark({
          applicationState: { state: 'FAILED', errorMessage: 'Job Failed' },
          driverInfo: {
            podName: 'spark-job-app-driver',
            webUIAddress: '172.20.207.161:4040',
            webUIPort: 4040,
            webUIServiceName: 'spark-job-app-ui-svc',
          },
          executionAttempts: 13,
          executorState: {
            'spark-job-app-1591613851251-exec-1': 'FAILED',
            'spark-job-app-1591613851251-exec-2': 'RUNNING',
            'spark-job-app-1591613851251-exec-4': 'FAILED',
            'spark-job-app-1591613851251-exec-5': 'RUNNING',
          },
          lastSubmissionAttemptTime: '2020-06-08T10:57:32Z',
          sparkApplicationId: 'spark-a5920b2a5aa04d22a737c60759b5bf82',
          submissionAttempts: 1,
          submissionID: '3e713ec8-9f6c-4e78-ac28-749797c846f0',
          terminationTime: null,
        }),
      );
      expect(reading).toEqual({
        status: 'Degraded',
        message: 'SparkApplication spark-job-app failed: Job Failed',
        action:
          'See why: kubectl -n payments describe sparkapplication spark-job-app; the driver log: kubectl -n payments logs spark-job-app-driver',
        facts: {
          state: 'FAILED',
          executors: '2 running, 2 failed',
          attempts: '13',
        },
      });
    });

    it('reads the driver failure the controller words (ExitCode, Reason)', () => {
      // internal/controller/sparkapplication/controller.go
      const reading = readCustomResourceStatus(
        spark({
          applicationState: {
            state: 'FAILING',
            errorMessage:
              'driver container failed with ExitCode: 1, Reason: Error',
          },
          driverInfo: { podName: 'spark-job-app-driver' },
        }),
      );
      expect(reading?.status).toBe('Degraded');
      expect(reading?.message).toBe(
        'SparkApplication spark-job-app is failing: driver container failed with ExitCode: 1, Reason: Error',
      );
    });

    it.each([
      ['', 'Progressing'],
      ['SUBMITTED', 'Progressing'],
      ['RUNNING', 'Healthy'],
      ['COMPLETED', 'Healthy'],
      ['SUCCEEDING', 'Progressing'],
      ['PENDING_RERUN', 'Progressing'],
      ['INVALIDATING', 'Progressing'],
      ['SUSPENDED', 'Suspended'],
      ['SUBMISSION_FAILED', 'Degraded'],
      ['UNKNOWN', 'Unknown'],
      ['EXPLODED', 'Unknown'],
    ])('state "%s" is %s', (state, expected) => {
      const reading = readCustomResourceStatus(
        spark({ applicationState: { state }, driverInfo: {} }),
      );
      expect(reading?.status).toBe(expected);
      // Every state but Healthy suggests what to do.
      expect(typeof reading?.action).toBe(
        expected === 'Healthy' ? 'undefined' : 'string',
      );
    });

    it('is Progressing before the operator wrote a status (NEW)', () => {
      expect(readCustomResourceStatus(spark(undefined))?.message).toBe(
        'SparkApplication spark-job-app is new and not submitted yet',
      );
    });
  });

  describe('ClickHouseInstallation', () => {
    const chi = (status: unknown) =>
      live('clickhouse.altinity.com/v1', 'ClickHouseInstallation', status, {
        name: 'analytics',
      });

    it('is Healthy when Completed', () => {
      // type_status.go ReconcileComplete(); chop-* from Status.Fill().
      expect(
        readCustomResourceStatus(
          chi({
            'chop-version': '0.27.3',
            'chop-commit': '7d1a9b2',
            clusters: 1,
            shards: 1,
            hosts: 2,
            status: 'Completed',
            taskID: 'auto-3b6f1c2e-9a4d-4e8b-a1f0-5c7d9e2b4a61',
            hostsCompleted: 2,
            endpoint: 'clickhouse-analytics.payments.svc.cluster.local',
          }),
        ),
      ).toEqual({
        status: 'Healthy',
        message: 'ClickHouseInstallation analytics is reconciled (2 hosts)',
        facts: {
          operatorVersion: '0.27.3',
          hosts: '2',
          taskID: 'auto-3b6f1c2e-9a4d-4e8b-a1f0-5c7d9e2b4a61',
        },
      });
    });

    it('is Degraded when Aborted, with the newest error without its time prefix', () => {
      // worker-reconciler-chi.go "FAILED to reconcile CR …"; announcer.go
      // prefixes errors with time.RFC3339Nano; PushError prepends.
      const reading = readCustomResourceStatus(
        chi({
          status: 'Aborted',
          error:
            'FAILED to reconcile CR payments/analytics, err: crud error - should abort',
          errors: [
            '2026-01-14T10:09:40.118233407Z FAILED to reconcile CR payments/analytics, err: crud error - should abort',
            '2026-01-14T10:09:39.01Z FAILED to reconcile StatefulSet for host: 0-0',
          ],
        }),
      );
      expect(reading).toEqual({
        status: 'Degraded',
        message:
          'ClickHouseInstallation analytics: reconciliation was aborted: FAILED to reconcile CR payments/analytics, err: crud error - should abort',
        action: expect.stringContaining(
          'kubectl -n payments describe chi analytics',
        ),
      });
    });

    it.each([
      [{ status: 'InProgress', taskID: 'auto-1' }, 'Progressing'],
      [{ status: 'Terminating' }, 'Progressing'],
      // Argo CD resource_customizations/clickhouse.altinity.com/ClickHouseInstallation/testdata/degraded_failed.yaml
      [{ status: 'Failed' }, 'Degraded'],
      [undefined, 'Progressing'],
      [{}, 'Progressing'],
    ])('%j is %s', (status, expected) => {
      const reading = readCustomResourceStatus(chi(status));
      expect(reading?.status).toBe(expected);
      expect(reading?.action).toEqual(expect.any(String));
    });
  });

  describe('Deployment', () => {
    const deployment = (
      status: unknown,
      spec: Record<string, unknown> = { replicas: 2 },
    ) =>
      live(
        'apps/v1',
        'Deployment',
        status,
        { name: 'strimzi-cluster-operator', namespace: 'kafka', generation: 4 },
        spec,
      );
    const condition = (
      type: string,
      status: string,
      reason: string,
      message: string,
    ) => ({
      type,
      status,
      lastUpdateTime: '2026-01-14T10:02:11Z',
      lastTransitionTime: '2026-01-14T10:02:11Z',
      reason,
      message,
    });

    it('is Degraded when the rollout exceeded its progress deadline', () => {
      // pkg/controller/deployment/util: TimedOutReason, NewRSAvailable messages.
      const reading = readCustomResourceStatus(
        deployment({
          observedGeneration: 4,
          replicas: 2,
          updatedReplicas: 2,
          unavailableReplicas: 2,
          conditions: [
            condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
            condition(
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              'ReplicaSet "strimzi-cluster-operator-7d9f8b6c5d" has timed out progressing.',
            ),
          ],
        }),
      );
      expect(reading).toEqual({
        status: 'Degraded',
        message:
          'Deployment strimzi-cluster-operator did not finish its rollout within its progress deadline: ReplicaSet "strimzi-cluster-operator-7d9f8b6c5d" has timed out progressing. (0 of 2 available)',
        action:
          'See why its Pods do not become ready: kubectl -n kafka describe deploy/strimzi-cluster-operator; kubectl -n kafka logs deploy/strimzi-cluster-operator',
        facts: { replicas: '2', availableReplicas: '0' },
      });
    });

    it('is Healthy when every replica is updated and available, Progressing during a rollout', () => {
      const available = condition(
        'Available',
        'True',
        'MinimumReplicasAvailable',
        'Deployment has minimum availability.',
      );
      expect(
        readCustomResourceStatus(
          deployment({
            observedGeneration: 4,
            replicas: 2,
            updatedReplicas: 2,
            readyReplicas: 2,
            availableReplicas: 2,
            conditions: [
              available,
              condition(
                'Progressing',
                'True',
                'NewReplicaSetAvailable',
                'ReplicaSet "x" has successfully progressed.',
              ),
            ],
          }),
        )?.status,
      ).toBe('Healthy');
      const rolling = readCustomResourceStatus(
        deployment({
          observedGeneration: 4,
          replicas: 3,
          updatedReplicas: 1,
          readyReplicas: 2,
          availableReplicas: 2,
          unavailableReplicas: 1,
          conditions: [
            available,
            condition(
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              'ReplicaSet "x" is progressing.',
            ),
          ],
        }),
      );
      expect(rolling).toEqual(
        expect.objectContaining({
          status: 'Progressing',
          message:
            'Deployment strimzi-cluster-operator is rolling out: 1 of 2 replicas updated',
          action:
            'Follow it: kubectl -n kafka rollout status deploy/strimzi-cluster-operator',
        }),
      );
      expect(
        readCustomResourceStatus(
          deployment({
            observedGeneration: 3,
            replicas: 2,
            updatedReplicas: 2,
            availableReplicas: 2,
          }),
        )?.status,
      ).toBe('Progressing');
      expect(
        readCustomResourceStatus(deployment({}, { replicas: 2, paused: true }))
          ?.status,
      ).toBe('Suspended');
    });
  });

  it('tells which group and kind it reads', () => {
    expect(readsKind('kafka.strimzi.io', 'KafkaNodePool')).toBe(true);
    expect(readsKind('apps', 'Deployment')).toBe(true);
    expect(readsKind('apps', 'StatefulSet')).toBe(false);
    expect(readsKind('', 'constructor')).toBe(false);
    expect(readsKind('kafka.strimzi.io', '__proto__')).toBe(false);
  });

  describe('what may come from upstream', () => {
    it('is undefined for kinds it does not read, and for values without apiVersion and kind', () => {
      for (const value of [
        live('v1', 'ConfigMap', undefined),
        live('argoproj.io/v1alpha1', 'Application', {
          health: { status: 'Healthy' },
        }),
        live('kafka.strimzi.io/v1', 'KafkaUser', {}),
        live('example.com/v1', 'Kafka', {}),
        { kind: 'Kafka' },
        null,
        undefined,
        'Kafka',
        42,
        [live('kafka.strimzi.io/v1', 'Kafka', {})],
      ]) {
        expect(readCustomResourceStatus(value)).toBeUndefined();
      }
    });

    it.each([
      [
        'a status that is not an object',
        'NotReady',
        'status should be an object',
      ],
      [
        'conditions that are not a list',
        { conditions: 'Ready' },
        'status.conditions should be an array',
      ],
      [
        'a condition without a type',
        { conditions: [{ status: 'True' }] },
        'status.conditions[0].type is missing',
      ],
      [
        'a generation that is a string',
        { conditions: [], observedGeneration: '1' },
        'status.observedGeneration should be a number',
      ],
    ])('is Unknown, saying what is wrong, for %s', (_what, status, why) => {
      const reading = readCustomResourceStatus(
        live('kafka.strimzi.io/v1', 'Kafka', status),
      );
      expect(reading).toEqual({
        status: 'Unknown',
        message: `The status Strimzi wrote on Kafka orders cannot be read: ${why}`,
        action:
          'Look at the object as the cluster has it: kubectl -n payments get kafka orders -o yaml',
      });
    });

    it('is Unknown for an object without metadata.name or with a name that is not a Kubernetes name', () => {
      expect(
        readCustomResourceStatus({
          apiVersion: 'flink.apache.org/v1beta1',
          kind: 'FlinkDeployment',
          status: {},
        }),
      ).toEqual({
        status: 'Unknown',
        message:
          'The FlinkDeployment object Argo CD answered cannot be read: FlinkDeployment.metadata is missing',
      });
      const hostile = readCustomResourceStatus(
        live(
          'sparkoperator.k8s.io/v1beta2',
          'SparkApplication',
          { applicationState: { state: 'FAILED' } },
          { name: 'x; rm -rf /' },
        ),
      );
      expect(hostile?.status).toBe('Unknown');
      expect(hostile?.message).toContain(
        'SparkApplication.metadata.name: not a Kubernetes name',
      );
      expect(hostile?.action).toBeUndefined();
    });

    it('bounds a huge message and keeps it on one line', () => {
      const reading = readCustomResourceStatus(
        live('kafka.strimzi.io/v1', 'Kafka', {
          conditions: [
            {
              type: 'NotReady',
              status: 'True',
              reason: 'StrimziTimeoutException',
              message: `line one\nline two\u001b[31m ${'x'.repeat(2_000_000)}`,
            },
          ],
        }),
      );
      expect(reading?.status).toBe('Degraded');
      expect(reading!.message.length).toBeLessThanOrEqual(300);
      expect(reading!.message).toMatch(/…$/);
      expect(reading!.message).toContain(
        'StrimziTimeoutException: line one line two [31m x',
      );
      expect([...reading!.message].some(c => c.charCodeAt(0) < 32)).toBe(false);
    });

    it('keeps facts short and drops those of the wrong type', () => {
      const reading = readCustomResourceStatus(
        live('kafka.strimzi.io/v1', 'Kafka', {
          conditions: [{ type: 'Ready', status: 'True' }],
          kafkaVersion: '4'.repeat(500),
        }),
      );
      expect(reading?.facts?.kafkaVersion).toHaveLength(100);
    });
  });

  describe('against the sandbox', () => {
    it("reads what the sandbox's operators write along a sync, through the client", async () => {
      let clock = Date.parse('2026-01-14T10:00:00Z');
      const sandbox = await startArgoCdSandbox({
        name: 'crs',
        token: 'crs-token',
        syncDurationMs: 3000,
        now: () => clock,
      });
      try {
        const client = new ArgoCdClient({
          instance: {
            name: 'crs',
            url: sandbox.url,
            uiUrl: sandbox.url,
            auth: { type: 'token', token: 'crs-token' },
          },
          timeoutMs: 5000,
        });
        const charts: Array<[string, string, string, string, string]> = [
          [
            'orders',
            'strimzi-kafka-operator',
            'kafka.strimzi.io',
            'Kafka',
            'orders',
          ],
          [
            'jobs',
            'flink-kubernetes-operator',
            'flink.apache.org',
            'FlinkDeployment',
            'jobs',
          ],
          [
            'batch',
            'spark-operator',
            'sparkoperator.k8s.io',
            'SparkApplication',
            'batch-spark-pi',
          ],
          [
            'olap',
            'altinity-clickhouse-operator',
            'clickhouse.altinity.com',
            'ClickHouseInstallation',
            'olap',
          ],
        ];
        for (const [app, chart] of charts) {
          await client.upsertApplication({
            metadata: { name: app, namespace: 'argocd' },
            spec: {
              project: 'default',
              source: {
                repoURL: 'https://charts.example.com',
                chart,
                targetRevision: '1.2.0',
              },
              destination: {
                server: 'https://kubernetes.default.svc',
                namespace: 'data',
              },
            },
          });
          await client.syncApplication(app);
        }
        const readAll = async () => {
          const readings: Record<string, string | undefined> = {};
          for (const [app, , group, kind, name] of charts) {
            const { resources } =
              (await client.getApplication(app)).status ?? {};
            const resource = resources?.find(r => r.kind === kind)!;
            const object = await client.getResource({
              application: app,
              namespace: resource.namespace ?? '',
              name,
              group,
              version: resource.version,
              kind,
            });
            readings[kind] = readCustomResourceStatus(object)?.status;
          }
          return readings;
        };
        expect(await readAll()).toEqual({
          Kafka: 'Progressing',
          FlinkDeployment: 'Progressing',
          SparkApplication: 'Progressing',
          ClickHouseInstallation: 'Progressing',
        });
        clock += 3000;
        expect(await readAll()).toEqual({
          Kafka: 'Healthy',
          FlinkDeployment: 'Healthy',
          SparkApplication: 'Healthy',
          ClickHouseInstallation: 'Healthy',
        });
        sandbox.setResourceStatus(
          'orders',
          { group: 'kafka.strimzi.io', kind: 'Kafka', name: 'orders' },
          'garbage',
        );
        const hostile = await client.getResource({
          application: 'orders',
          namespace: 'data',
          name: 'orders',
          group: 'kafka.strimzi.io',
          version: 'v1',
          kind: 'Kafka',
        });
        expect(readCustomResourceStatus(hostile)?.status).toBe('Unknown');
      } finally {
        await sandbox.close();
      }
    });
  });
});
