/** The worker's sandbox settings: defaults, validation, and DOCKER_HOST as a fallback. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMount, workerConfig } from '../../src/config/config.js';

test('worker config defaults to the strict sandbox', () => {
  const c = workerConfig({}, {}, {});
  assert.equal(c.allowNetwork, false);
  assert.deepEqual(c.mounts, []);
  assert.deepEqual(c.capAdd, []);
  assert.equal(c.readOnlyRootfs, false);
  assert.equal(c.user, '');
  assert.equal(c.pidsLimit, 1024);
  assert.equal(c.dockerInit, true);
  assert.equal(c.stopGraceS, 5);
});

test('worker config takes DOCKER_HOST only when no docker host is configured', () => {
  const env = { DOCKER_HOST: 'unix:///env.sock' };
  assert.equal(workerConfig({}, {}, env).dockerHost, 'unix:///env.sock');
  assert.equal(
    workerConfig({ dockerHost: 'unix:///file.sock' }, {}, env).dockerHost,
    'unix:///file.sock',
  );
  assert.equal(
    workerConfig({}, {}, { ...env, TGP_DOCKER_HOST: 'tcp://h:2375' }).dockerHost,
    'tcp://h:2375',
  );
});

test('worker config refuses mounts that are not absolute HOST:CONTAINER[:ro|:rw]', () => {
  assert.throws(
    () => workerConfig({ mounts: ['data:/data'] }, {}, {}),
    /worker\.mounts = "data:\/data"/,
  );
  assert.throws(() => workerConfig({ mounts: ['/a:/b:rx'] }, {}, {}), /mode must be ro or rw/);
  assert.throws(
    () => workerConfig({ mounts: '/a:/b' }, {}, {}),
    /must be a (list of strings|object)/,
  );
  assert.deepEqual(checkMount('/srv/data:/data'), {
    hostPath: '/srv/data',
    containerPath: '/data',
    readOnly: true,
  });
  assert.equal(checkMount('/scratch:/scratch:rw').readOnly, false);
});

test('worker config refuses a pids limit below one and a malformed user', () => {
  assert.throws(() => workerConfig({ pidsLimit: 0 }, {}, {}), /worker\.pidsLimit = 0/);
  assert.throws(() => workerConfig({ user: 'a b' }, {}, {}), /worker\.user/);
  assert.equal(workerConfig({ user: '65534:65534' }, {}, {}).user, '65534:65534');
});
