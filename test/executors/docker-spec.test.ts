/** The container a job becomes, decided without an engine: limits, sandbox, GPUs, mounts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LABEL,
  STRICT_POLICY,
  containerName,
  containerSpec,
} from '../../src/executors/docker-spec.js';
import { dockerodeOptions } from '../../src/executors/docker.js';
import type { ExecutionRequest } from '../../src/executors/executor.js';

const request: ExecutionRequest = {
  jobId: 'train-7',
  attempt: 2,
  image: 'tgp-busybox:test',
  command: ['sh', '-c', 'echo hi'],
  env: { A: '1', TGP_JOB_ID: 'train-7' },
  workdir: '/work',
  cpuCores: 1.5,
  memoryGb: 0.5,
  gpuCount: 0,
  maxRuntimeS: 120,
};

test('container spec limits CPU, memory without swap and processes as requested', () => {
  const spec = containerSpec(request, STRICT_POLICY, 'node-a');
  assert.equal(spec.HostConfig?.NanoCpus, 1.5e9);
  assert.equal(spec.HostConfig?.Memory, 512 * 1024 ** 2);
  assert.equal(spec.HostConfig?.MemorySwap, 512 * 1024 ** 2);
  assert.equal(spec.HostConfig?.PidsLimit, 1024);
  assert.deepEqual(spec.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(spec.Env, ['A=1', 'TGP_JOB_ID=train-7']);
  assert.equal(spec.WorkingDir, '/work');
  assert.equal(spec.Image, 'tgp-busybox:test');
});

test('container spec under the strict policy has no network, privileges or host mounts', () => {
  const host = containerSpec(request, STRICT_POLICY, 'node-a').HostConfig;
  assert.equal(host?.NetworkMode, 'none');
  assert.equal(host?.Privileged, false);
  assert.deepEqual(host?.CapDrop, ['ALL']);
  assert.deepEqual(host?.CapAdd, []);
  assert.deepEqual(host?.SecurityOpt, ['no-new-privileges']);
  assert.deepEqual(host?.Binds, []);
  assert.equal(host?.ReadonlyRootfs, false);
  assert.equal(host?.AutoRemove, false);
  assert.equal(host?.DeviceRequests, undefined);
});

test('container spec follows the operator policy: network, mounts, capabilities, user', () => {
  const spec = containerSpec(
    request,
    {
      ...STRICT_POLICY,
      allowNetwork: true,
      network: 'jobs-net',
      mounts: [
        { hostPath: '/data/sets', containerPath: '/data', readOnly: true },
        { hostPath: '/scratch', containerPath: '/scratch', readOnly: false },
      ],
      capAdd: ['NET_BIND_SERVICE'],
      readOnlyRootfs: true,
      user: '1000:1000',
      runtime: 'runsc',
    },
    'node-a',
  );
  const host = spec.HostConfig;
  assert.equal(host?.NetworkMode, 'jobs-net');
  assert.deepEqual(host?.Binds, ['/data/sets:/data:ro', '/scratch:/scratch:rw']);
  assert.deepEqual(host?.CapAdd, ['NET_BIND_SERVICE']);
  assert.equal(host?.ReadonlyRootfs, true);
  assert.ok(host?.Tmpfs?.['/tmp']);
  assert.equal(host?.Runtime, 'runsc');
  assert.equal(spec.User, '1000:1000');
});

test('container spec passes GPUs as device requests, by id when the devices are known', () => {
  const byId = containerSpec({ ...request, gpuCount: 2 }, STRICT_POLICY, 'n', ['1', '3']);
  assert.deepEqual(byId.HostConfig?.DeviceRequests, [
    { Driver: 'nvidia', DeviceIDs: ['1', '3'], Capabilities: [['gpu']] },
  ]);
  assert.equal(byId.Labels?.[LABEL.gpuIds], '1,3');
  const byCount = containerSpec({ ...request, gpuCount: 1 }, STRICT_POLICY, 'n');
  assert.deepEqual(byCount.HostConfig?.DeviceRequests, [
    { Driver: 'nvidia', Count: 1, Capabilities: [['gpu']] },
  ]);
});

test('container spec labels the container with job, attempt, node and limits', () => {
  const spec = containerSpec(request, STRICT_POLICY, 'node-a');
  assert.deepEqual(spec.Labels, {
    [LABEL.managed]: 'true',
    [LABEL.jobId]: 'train-7',
    [LABEL.attempt]: '2',
    [LABEL.nodeId]: 'node-a',
    [LABEL.maxRuntimeS]: '120',
    [LABEL.memoryGb]: '0.5',
    [LABEL.gpuIds]: '',
  });
  assert.equal(spec.name, 'tgp-node-a-train-7-2');
});

test('container name keeps only characters the engine accepts', () => {
  assert.equal(containerName('host.example:1', 'job_1', 3), 'tgp-host.example_1-job_1-3');
});

test('docker host addresses map to socket paths and TCP endpoints', () => {
  assert.deepEqual(dockerodeOptions(''), {});
  assert.deepEqual(dockerodeOptions('unix:///tmp/d.sock'), { socketPath: '/tmp/d.sock' });
  assert.deepEqual(dockerodeOptions('/var/run/docker.sock'), {
    socketPath: '/var/run/docker.sock',
  });
  assert.deepEqual(dockerodeOptions('tcp://10.0.0.5:2375'), {
    host: '10.0.0.5',
    port: 2375,
    protocol: 'http',
  });
  assert.throws(() => dockerodeOptions('ssh://box'), /only unix:\/\/ and tcp:\/\//);
});
