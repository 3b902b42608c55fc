"""templates/ and labels/ live at the top of the repository, beside the package, as the layout
requires. A wheel carries a copy of each inside the package, as nicu_milk/_share/, where
nicu_milk.shared_folder() finds them when there is no source tree beside the package.

Everything else about the build is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHARED = ("templates", "labels")


class BuildWithSharedFolders(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return  # an editable install reads them from the source tree
        for name in SHARED:
            self.copy_tree(name, str(Path(self.build_lib) / "nicu_milk" / "_share" / name))


setup(cmdclass={"build_py": BuildWithSharedFolders})
