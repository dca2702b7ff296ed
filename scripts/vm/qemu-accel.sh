# Sourced by the scripts that boot QEMU guests: sets ACCEL (QEMU arguments)
# from KW_VM_ACCEL=auto|kvm|tcg.
#
# KVM needs /dev/kvm backed by hardware virtualisation (vmx/svm in
# /proc/cpuinfo). Some cloud sandboxes expose a /dev/kvm that is PVM (module
# kvm_pvm: software nested virtualisation that only runs kernels built as PVM
# guests): a stock distribution kernel hangs there after "Probing EDD" or
# dies with "KVM internal error. Suberror: 1", so auto falls back to TCG.
accel_mode=${KW_VM_ACCEL:-auto}
if [ "$accel_mode" = auto ]; then
  if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
    accel_mode=kvm
  else
    accel_mode=tcg
    echo "$(basename "$0"): no hardware KVM here ($([ -d /sys/module/kvm_pvm ] && echo '/dev/kvm is PVM' || echo 'no usable /dev/kvm')): emulating with TCG, 5-30x slower" >&2
  fi
fi
case "$accel_mode" in
  kvm) ACCEL=(-accel kvm -cpu host) ;;
  # one host thread for all vCPUs: with thread=multi a 7.2 guest oopsed on an
  # int3 left by a text_poke (a static key flipped as BPF programs attach)
  # that another vCPU still ran; single also leaves the other host cores to
  # other guests (scripts/test-kernels.sh runs them side by side)
  tcg) ACCEL=(-accel tcg,thread=single,tb-size=512 -cpu max) ;;
  *) echo "$(basename "$0"): KW_VM_ACCEL must be auto, kvm or tcg" >&2; exit 125 ;;
esac
