/** Live tests need root and BPF; elsewhere they skip with this one-line reason. */
export const NEEDS_ROOT: string | false = typeof process.getuid === 'function' && process.getuid() === 0 ? false : 'needs root and BPF (CI runs as root)';
