#include "manifest/manifest_loader.h"
#include <doctest/doctest.h>
