/**
 * Workload identity from cgroup paths: a table of the layouts the kubelet
 * (systemd and cgroupfs drivers), containerd, CRI-O, Docker, podman, LXC and
 * systemd make (docs/workloads.md), and paths that must give nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workloadOf, type Workload } from '../src/events/workload';

const C = 'f'.repeat(8) + '0123456789abcdef'.repeat(3) + '01234567'; // 64 hex
const UID = '3f1c2b4a-9d8e-4f70-a1b2-c3d4e5f60718';
const UID_ = UID.replaceAll('-', '_');

const TABLE: ReadonlyArray<readonly [string, Workload]> = [
  // kubelet, systemd driver, containerd
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${C}.scope`,
    { unit: `cri-containerd-${C}.scope`, containerId: C, containerRuntime: 'containerd', podUid: UID, podQos: 'burstable' },
  ],
  [
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${C}.scope`,
    { unit: `cri-containerd-${C}.scope`, containerId: C, containerRuntime: 'containerd', podUid: UID, podQos: 'besteffort' },
  ],
  [
    `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${C}.scope`,
    { unit: `cri-containerd-${C}.scope`, containerId: C, containerRuntime: 'containerd', podUid: UID, podQos: 'guaranteed' },
  ],
  // the pod's own slice, before any container: the pod, no container
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`,
    { unit: `kubepods-burstable-pod${UID_}.slice`, podUid: UID, podQos: 'burstable' },
  ],
  // kubelet, systemd driver, CRI-O, and its conmon (not the container)
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${C}.scope`,
    { unit: `crio-${C}.scope`, containerId: C, containerRuntime: 'cri-o', podUid: UID, podQos: 'burstable' },
  ],
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${C}.scope`,
    { unit: `crio-conmon-${C}.scope`, podUid: UID, podQos: 'burstable' },
  ],
  // kubelet, cgroupfs driver: the runtime is not named
  [`/kubepods/burstable/pod${UID}/${C}`, { containerId: C, podUid: UID, podQos: 'burstable' }],
  [`/kubepods/besteffort/pod${UID}/${C}`, { containerId: C, podUid: UID, podQos: 'besteffort' }],
  [`/kubepods/pod${UID}/${C}`, { containerId: C, podUid: UID, podQos: 'guaranteed' }],
  // Docker
  [`/system.slice/docker-${C}.scope`, { unit: `docker-${C}.scope`, containerId: C, containerRuntime: 'docker' }],
  [`/docker/${C}`, { containerId: C, containerRuntime: 'docker' }],
  // podman: rootful with its /container child, conmon, rootless, cgroupfs
  [`/machine.slice/libpod-${C}.scope`, { unit: `libpod-${C}.scope`, containerId: C, containerRuntime: 'podman' }],
  [`/machine.slice/libpod-${C}.scope/container`, { unit: `libpod-${C}.scope`, containerId: C, containerRuntime: 'podman' }],
  [`/machine.slice/libpod-conmon-${C}.scope`, { unit: `libpod-conmon-${C}.scope` }],
  [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${C}.scope`, { unit: `libpod-${C}.scope`, containerId: C, containerRuntime: 'podman' }],
  [`/libpod_parent/libpod-${C}`, { containerId: C, containerRuntime: 'podman' }],
  // LXC
  ['/lxc.payload.web1', { containerId: 'web1', containerRuntime: 'lxc' }],
  ['/lxc.payload.web1/system.slice/nginx.service', { unit: 'nginx.service', containerId: 'web1', containerRuntime: 'lxc' }],
  ['/lxc/web1', { containerId: 'web1', containerRuntime: 'lxc' }],
  // systemd
  ['/system.slice/nginx.service', { unit: 'nginx.service' }],
  ['/system.slice/kernwatch.service/payload', { unit: 'kernwatch.service' }],
  ['/user.slice/user-1000.slice/user@1000.service/app.slice/backup.service', { unit: 'backup.service' }],
  ['/user.slice/user-1000.slice/session-3.scope', { unit: 'session-3.scope' }],
  ['/machine.slice/systemd-nspawn@db.service', { unit: 'systemd-nspawn@db.service' }],
  ['/system.slice', { unit: 'system.slice' }],
  // nothing to say
  ['/', {}],
  ['/prod/api', {}],
  [`/docker/${C.slice(0, 12)}`, {}], // a short id is not a container id
  [`/prod/docker/${C}`, {}], // docker's cgroupfs parent is at the root only
  [`/kubepods/burstable/pod-not-a-uid/${C}`, { podQos: undefined }],
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podnotauid.slice/cri-containerd-${C}.scope`,
    { unit: `cri-containerd-${C}.scope`, containerId: C, containerRuntime: 'containerd' },
  ],
  [`/system.slice/docker-${C}.scope.d`, { unit: 'system.slice' }], // not a scope: only its slice
  ['/-.slice', {}],
];

test('every layout of the table gives its workload, and nothing beyond it', () => {
  for (const [path, want] of TABLE) {
    const expected = Object.fromEntries(Object.entries(want).filter(([, v]) => v !== undefined));
    assert.deepEqual(workloadOf(path), expected, path);
  }
});
