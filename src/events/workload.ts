/**
 * Who a cgroup belongs to, read off its path alone: the systemd unit, the
 * container and the runtime that made it, the Kubernetes pod and its QoS
 * class. Pure and deterministic, so a recording replays to the same names,
 * and known from the first event of a cgroup. A layout this does not know
 * gives no field, never a guess: docs/workloads.md has every path format
 * read here and where it comes from.
 */

export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'lxc';
export type PodQos = 'guaranteed' | 'burstable' | 'besteffort';

export interface Workload {
  /** the innermost systemd unit: a service, scope or slice (a user's own units under user@UID.service included) */
  readonly unit?: string;
  readonly containerId?: string;
  /** absent where the path names no runtime (the kubelet's cgroupfs driver) */
  readonly containerRuntime?: ContainerRuntime;
  readonly podUid?: string;
  readonly podQos?: PodQos;
}

const ID = '([0-9a-f]{64})';
/** systemd scopes the runtimes make for a container (their conmon monitors, `crio-conmon-`, `libpod-conmon-`, are not containers) */
const CONTAINER_SCOPES: ReadonlyArray<readonly [RegExp, ContainerRuntime]> = [
  [new RegExp(`^docker-${ID}\\.scope$`), 'docker'],
  [new RegExp(`^cri-containerd-${ID}\\.scope$`), 'containerd'],
  [new RegExp(`^crio-${ID}\\.scope$`), 'cri-o'],
  [new RegExp(`^libpod-${ID}\\.scope$`), 'podman'],
];
const HEX_ID = new RegExp(`^${ID}$`);
const PODMAN_CGROUPFS = new RegExp(`^libpod-${ID}$`);
const UNIT = /^[^/]+\.(service|scope|slice)$/;
/** kubepods-<qos>-pod<uid>.slice, or kubepods-pod<uid>.slice for Guaranteed; the uid's dashes are underscores in unit names */
const POD_SLICE = /^kubepods(?:-(burstable|besteffort))?-pod([0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12})\.slice$/;
const POD_DIR = /^pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const LXC_PAYLOAD = /^lxc\.payload\.(.+)$/;

/** The workload of the cgroup at `cgroupPath` ("/"-separated, relative to its hierarchy). */
export function workloadOf(cgroupPath: string): Workload {
  const segments = cgroupPath.split('/').filter((s) => s !== '');
  return { ...unitOf(segments), ...containerOf(segments), ...podOf(segments) };
}

function unitOf(segments: readonly string[]): Pick<Workload, 'unit'> {
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i] as string;
    // the root slice "-.slice" names nothing anyone runs
    if (UNIT.test(s) && s !== '-.slice') return { unit: s };
  }
  return {};
}

function containerOf(segments: readonly string[]): Pick<Workload, 'containerId' | 'containerRuntime'> {
  // the innermost one: a container's own children (podman's /container, a delegated payload) are still it
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i] as string;
    for (const [pattern, runtime] of CONTAINER_SCOPES) {
      const m = pattern.exec(s);
      if (m) return { containerId: m[1], containerRuntime: runtime };
    }
    const parent = segments[i - 1];
    if (parent === 'docker' && i === 1 && HEX_ID.test(s)) return { containerId: s, containerRuntime: 'docker' };
    if (parent === 'libpod_parent' && i === 1) {
      const m = PODMAN_CGROUPFS.exec(s);
      if (m) return { containerId: m[1], containerRuntime: 'podman' };
    }
    // the kubelet's cgroupfs driver: /kubepods[/<qos>]/pod<uid>/<id>, the runtime unnamed
    if (parent !== undefined && POD_DIR.test(parent) && segments[0] === 'kubepods' && HEX_ID.test(s)) return { containerId: s };
    const lxc = LXC_PAYLOAD.exec(s);
    if (lxc && i === 0) return { containerId: lxc[1], containerRuntime: 'lxc' };
    if (parent === 'lxc' && i === 1) return { containerId: s, containerRuntime: 'lxc' };
  }
  return {};
}

function podOf(segments: readonly string[]): Pick<Workload, 'podUid' | 'podQos'> {
  if (segments[0] === 'kubepods.slice') {
    for (const s of segments.slice(1, 3)) {
      const m = POD_SLICE.exec(s);
      if (m) return { podUid: (m[2] as string).replaceAll('_', '-'), podQos: (m[1] as PodQos | undefined) ?? 'guaranteed' };
    }
    return {};
  }
  if (segments[0] === 'kubepods') {
    const qos = segments[1] === 'burstable' || segments[1] === 'besteffort' ? segments[1] : undefined;
    const m = POD_DIR.exec(segments[qos ? 2 : 1] ?? '');
    if (m) return { podUid: m[1], podQos: qos ?? 'guaranteed' };
  }
  return {};
}
