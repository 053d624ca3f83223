#include <petscsys.h>
int main(int argc, char **argv) {
  PetscCall(PetscInitialize(&argc, &argv, nullptr, nullptr));
  PetscCall(PetscFinalize());
  return 0;
}
